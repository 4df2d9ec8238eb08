// Sign in with Sonolus: ask for a one-time endpoint, show its sonolus://external-login link and QR
// code, and poll until the app has signed in there (the server then sets the session cookie).
import { request } from './api.js'
import { h, clear } from './dom.js'
import { t } from './i18n.js'
import type { Session } from './main.js'

type Login = { id: string; link: string; qr: string; expires_at: number }

export async function signInDialog(session: Session): Promise<void> {
    const root = document.getElementById('dialog-root')!
    const opener = document.activeElement as HTMLElement | null
    let timer: ReturnType<typeof setTimeout> | undefined
    const close = () => {
        clearTimeout(timer)
        dialog.close()
        clear(root)
        opener?.focus()
    }
    const status = h('p', { role: 'status', id: 'sign-in-status' }, t('waiting'))
    const body = h('div', { class: 'sign-in-body' })
    const dialog = h(
        'dialog',
        { 'aria-labelledby': 'sign-in-title', class: 'sign-in' },
        h('h2', { id: 'sign-in-title' }, t('signInTitle')),
        h('p', {}, t('signInHelp')),
        body,
        status,
        h('button', { type: 'button', onclick: close }, t('close')),
    )
    dialog.addEventListener('close', () => clearTimeout(timer))
    clear(root, dialog)
    dialog.showModal()
    try {
        const login = await request<Login>('POST', 'web/logins')
        clear(
            body,
            h('a', { href: login.link, class: 'button primary', id: 'sonolus-link' }, t('openInSonolus')),
            h('img', { src: login.qr, alt: t('qrAlt'), class: 'qr', width: '220', height: '220' }),
            h('code', { class: 'link-text' }, login.link),
        )
        const poll = async () => {
            try {
                const state = await request<{ status: string }>('GET', `web/logins/${login.id}`)
                if (state.status === 'done') {
                    close()
                    await session.refresh()
                    return
                }
                if (state.status === 'expired') {
                    status.textContent = t('expired')
                    return
                }
            } catch {
                // Network blip: poll again.
            }
            if (dialog.open) timer = setTimeout(poll, 1000)
        }
        timer = setTimeout(poll, 1000)
    } catch (error) {
        status.textContent = t('error', { text: (error as Error).message })
    }
}
