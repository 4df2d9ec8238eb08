// API tokens of the signed-in user: list, create (shown once), revoke.
import { request } from './api.js'
import { h, clear } from './dom.js'
import { t } from './i18n.js'
import type { Session } from './main.js'

type Token = { id: number; name: string; created_at: number; last_used_at: number | null }

export function tokensView(main: HTMLElement, session: Session): () => void {
    if (!session.user) {
        clear(main, h('h1', {}, t('tokens')), h('p', {}, t('tokensSignIn')))
        return () => {}
    }
    const list = h('ul', { class: 'tokens', id: 'token-list' })
    const shown = h('div', { role: 'status', id: 'token-shown' })
    const name = h('input', { id: 'token-name', maxlength: '100', required: true, autocomplete: 'off' })
    const date = (ms: number | null) => (ms === null ? t('never') : new Date(ms).toLocaleString())
    const load = async () => {
        const tokens = await request<{ tokens: Token[] }>('GET', 'api/tokens')
        if (!tokens.tokens.length) return clear(list, h('li', { class: 'empty' }, t('noTokens')))
        clear(
            list,
            ...tokens.tokens.map((token) =>
                h(
                    'li',
                    {},
                    h('strong', {}, token.name),
                    ' ',
                    h('small', {}, `${t('created')}: ${date(token.created_at)} · ${t('lastUsed')}: ${date(token.last_used_at)}`),
                    ' ',
                    h(
                        'button',
                        {
                            type: 'button',
                            'aria-label': `${t('revoke')} ${token.name}`,
                            onclick: () => void request('DELETE', `api/tokens/${token.id}`).then(load),
                        },
                        t('revoke'),
                    ),
                ),
            ),
        )
    }
    const create = async (e: Event) => {
        e.preventDefault()
        try {
            const made = await request<{ token: string }>('POST', 'api/tokens', { name: name.value })
            name.value = ''
            clear(shown, h('p', {}, t('tokenShown')), h('code', { class: 'link-text' }, made.token))
            await load()
        } catch (error) {
            clear(shown, t('error', { text: (error as Error).message }))
        }
    }
    clear(
        main,
        h('h1', {}, t('tokens')),
        h(
            'form',
            { class: 'inline', onsubmit: (e) => void create(e) },
            h('label', { for: 'token-name' }, t('tokenName')),
            name,
            h('button', { type: 'submit', class: 'primary' }, t('createToken')),
        ),
        shown,
        list,
    )
    void load().catch(() => {})
    return () => {}
}
