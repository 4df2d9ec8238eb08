// The page: a router over three views (rooms, a room, API tokens), the header (language, sign-in).
import { request, type User } from './api.js'
import { h, clear } from './dom.js'
import { locale, setLocale, t, type Locale } from './i18n.js'
import { roomView } from './room.js'
import { roomsView } from './rooms.js'
import { signInDialog } from './sign-in.js'
import { tokensView } from './tokens.js'

export type Session = { user: User | null; refresh(): Promise<void> }

const main = document.getElementById('main')!
let stop: (() => void) | undefined

const session: Session = {
    user: null,
    async refresh() {
        session.user = (await request<{ user: User | null }>('GET', 'web/me')).user
        render()
    },
}

/** The path after the base (<base href>), e.g. '' or 'rooms/abc'. */
function route(): string {
    const base = new URL(document.baseURI).pathname
    return decodeURIComponent(location.pathname.startsWith(base) ? location.pathname.slice(base.length) : '')
}

function header(): void {
    const nav = document.getElementById('nav')!
    const current = route()
    const link = (href: string, key: 'rooms' | 'tokens', active: boolean) => h('a', { href, ...(active ? { 'aria-current': 'page' } : {}) }, t(key))
    clear(nav, link('./', 'rooms', current === '' || current.startsWith('rooms/')), session.user && link('tokens', 'tokens', current === 'tokens'))
    const account = document.getElementById('account')!
    if (session.user) {
        clear(
            account,
            h('span', { class: 'who' }, t('signedInAs', { name: session.user.name })),
            h('button', { type: 'button', onclick: () => void request('POST', 'web/logout').then(() => session.refresh()) }, t('signOut')),
        )
    } else {
        clear(account, h('button', { type: 'button', class: 'primary', id: 'sign-in', onclick: () => void signInDialog(session) }, t('signIn')))
    }
    const select = document.getElementById('lang') as HTMLSelectElement
    select.value = locale
    for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as 'skip')
}

function render(): void {
    stop?.()
    header()
    const path = route()
    const room = /^rooms\/(.+)$/.exec(path)
    if (room) stop = roomView(main, room[1]!, session)
    else if (path === 'tokens') stop = tokensView(main, session)
    else stop = roomsView(main, session)
}

document.documentElement.lang = locale
document.getElementById('lang')!.addEventListener('change', (e) => {
    setLocale((e.target as HTMLSelectElement).value as Locale)
    render()
})
session.refresh().catch(() => render())
