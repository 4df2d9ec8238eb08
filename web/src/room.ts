// One room, live: the summary and (signed in) its details and history first, then the event feed
// (EventSource, which resumes by itself with Last-Event-ID) keeps every section current without a reload.
import { ApiError, request, roomPath, type FeedEvent, type RoomDetails, type RoomSummary, type ScoreSection } from './api.js'
import { h, clear } from './dom.js'
import { t } from './i18n.js'
import type { Session } from './main.js'
import { statusText } from './rooms.js'

type State = {
    title: string
    status: string
    level: string | null
    master: string | null
    max: number
    count: number
    players: Map<string, string>
    statuses: Map<string, string>
    closed: boolean
    isPrivate: boolean
    round: string
}

const maxChat = 100
const maxResults = 20

export function roomView(main: HTMLElement, name: string, session: Session): () => void {
    const facts = h('dl', { class: 'facts wide', id: 'room-facts' })
    const players = h('ul', { class: 'players', id: 'players' })
    const scoreboard = h('div', { id: 'scoreboard' }, h('p', { class: 'empty' }, t('noScores')))
    const results = h('ol', { class: 'results', id: 'results' })
    const chat = h('ol', { class: 'chat', id: 'chat', 'aria-live': 'polite', 'aria-label': t('chat') })
    const chatForm = h('div', { id: 'chat-form' })
    const live = h('span', { class: 'live', id: 'live' }, t('reconnecting'))
    const title = h('h1', { id: 'room-title' }, name)
    const layout = [
        h('p', {}, h('a', { href: './' }, '← ' + t('back'))),
        h('div', { class: 'room-head' }, title, live),
        facts,
        h(
            'div',
            { class: 'room-grid' },
            h('section', { 'aria-labelledby': 'h-players' }, h('h2', { id: 'h-players' }, t('players')), players),
            h('section', { 'aria-labelledby': 'h-scores' }, h('h2', { id: 'h-scores' }, t('scoreboard')), scoreboard),
            h('section', { 'aria-labelledby': 'h-results' }, h('h2', { id: 'h-results' }, t('results')), results),
            h('section', { 'aria-labelledby': 'h-chat', class: 'chat-section' }, h('h2', { id: 'h-chat' }, t('chat')), chat, chatForm),
        ),
    ]
    const state: State = {
        title: name,
        status: 'selecting',
        level: null,
        master: null,
        max: 0,
        count: 0,
        players: new Map(),
        statuses: new Map(),
        closed: false,
        isPrivate: false,
        round: t('noRound'),
    }
    let source: EventSource | undefined
    let stopped = false

    const renderFacts = () => {
        title.textContent = state.title
        document.title = `${state.title} · Ensemble`
        const fact = (label: string, value: string, id: string) => h('div', {}, h('dt', {}, label), h('dd', { id }, value))
        clear(
            facts,
            fact(t('status'), statusText(state.status) + (state.closed ? ` · ${t('closed')}` : ''), 'room-status'),
            fact(t('level'), state.level ?? t('noLevel'), 'room-level'),
            fact(t('players'), t('capacity', { players: state.count, max: state.max }), 'room-count'),
            fact(t('master'), state.master ?? '—', 'room-master'),
            fact(t('roundStatus'), state.round, 'room-round'),
        )
        clear(
            players,
            ...[...state.players].map(([id, n]) => {
                const status = state.statuses.get(id)
                return h('li', {}, n, status ? h('span', { class: `badge user-${status}` }, userStatusText(status)) : null)
            }),
        )
    }
    const addChat = (value: string, at: number) => {
        chat.querySelector('.empty')?.remove()
        const time = new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
        chat.append(h('li', {}, h('time', {}, time), ' ', value))
        while (chat.children.length > maxChat) chat.firstElementChild?.remove()
        chat.scrollTop = chat.scrollHeight
    }
    const nameOf = (id: string) => state.players.get(id) ?? id.slice(0, 8)
    const addResult = (userId: string, result: Record<string, unknown>) => {
        results.querySelector('.empty')?.remove()
        const grade = typeof result.grade === 'string' ? result.grade.toUpperCase() : ''
        const score = typeof result.arcadeScore === 'number' ? result.arcadeScore.toLocaleString() : ''
        const accuracy = typeof result.accuracyScore === 'number' ? result.accuracyScore.toLocaleString() : ''
        const combo = typeof result.combo === 'number' ? `${t('combo')} ${result.combo}` : ''
        results.prepend(
            h(
                'li',
                {},
                h('strong', {}, nameOf(userId)),
                ' ',
                [grade, score, accuracy && `${t('accuracy')} ${accuracy}`, combo].filter(Boolean).join(' · '),
            ),
        )
        while (results.children.length > maxResults) results.lastElementChild?.remove()
    }
    const renderScores = (sections: ScoreSection[]) => {
        if (!sections.length) return clear(scoreboard, h('p', { class: 'empty' }, t('noScores')))
        clear(
            scoreboard,
            ...sections.map((section) =>
                h(
                    'table',
                    { class: 'scores' },
                    h('caption', {}, sectionTitle(section.title)),
                    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('players')), h('th', { scope: 'col' }, t('score')))),
                    h('tbody', {}, ...section.scores.map((s) => h('tr', {}, h('td', {}, s.name ?? nameOf(s.user_id)), h('td', {}, s.value)))),
                ),
            ),
        )
    }

    const onEvent = (event: FeedEvent) => {
        switch (event.type) {
            case 'chat':
                addChat(String(event.value), event.at)
                break
            case 'player_joined':
                state.players.set(event.user_id, event.name)
                state.statuses.set(event.user_id, 'waiting')
                state.count = state.players.size
                addChat(t('playerJoined', { name: event.name }), event.at)
                break
            case 'player_left':
                state.players.delete(event.user_id)
                state.count = state.players.size
                addChat(t('playerLeft', { name: event.name }), event.at)
                break
            case 'player_status':
                state.statuses.set(event.user_id, event.status)
                break
            case 'master':
                state.master = event.user_id === null ? null : (event.name ?? nameOf(event.user_id))
                break
            case 'title':
                state.title = String(event.title)
                break
            case 'status':
                state.status = event.status
                break
            case 'level':
                state.level = event.level?.name ?? null
                break
            case 'round_started':
                state.round = t('roundStarted', { round: event.round })
                break
            case 'round_finished':
                state.round = t('roundFinished', { round: event.round })
                break
            case 'result':
                addResult(event.user_id, event.result ?? {})
                break
            case 'scoreboard':
                renderScores(event.sections)
                break
            case 'closed':
                state.closed = true
                source?.close()
                break
            case 'resync':
                void load()
                return
        }
        renderFacts()
    }

    const load = async () => {
        try {
            // Details (public rooms, or any room the signed-in user may see); else the list's summary.
            const details = await request<RoomDetails>('GET', roomPath(name)).catch(() => undefined)
            const q = new URLSearchParams({ keywords: name, limit: '50' })
            const summary = details
                ? undefined
                : (await request<{ rooms: RoomSummary[] }>('GET', `api/rooms?${q}`)).rooms.find((r) => r.room_name === name)
            const known = details ?? summary
            if (!known) {
                // A private room is hidden from who is not yet its member, but join_room takes its password.
                const join = session.user ? joinForm(true, () => void start()) : []
                const hint = session.user ? h('p', {}, t('privateHint')) : null
                clear(main, h('h1', {}, t('notFound')), hint, ...join, h('p', {}, h('a', { href: './' }, t('back'))))
                return false
            }
            Object.assign(state, {
                title: known.title,
                status: known.status,
                level: known.level?.name ?? null,
                isPrivate: known.private,
                max: details ? details.capacity.max_players : known.max_players,
            })
            state.master = details ? (details.master?.name ?? null) : (summary?.master_name ?? null)
            state.count = details ? details.players.length : (summary?.players ?? 0)
            state.closed = details?.closed ?? false
            if (details) state.players = new Map(details.players.map((p) => [p.id, p.name]))
            if (details) state.statuses = new Map(details.player_statuses.map((p) => [p.user_id, p.status]))
            const board = await request<{ sections: ScoreSection[] }>('GET', `${roomPath(name)}/scoreboard`).catch(() => ({ sections: [] }))
            renderScores(board.sections)
            if (session.user) {
                const history = await request<{ messages: { value: string; at: number }[] }>('GET', `${roomPath(name)}/chat?limit=30`).catch(() => ({
                    messages: [],
                }))
                clear(chat)
                for (const m of [...history.messages].reverse()) addChat(String(m.value), m.at)
            }
            if (session.user) {
                const past = await request<{ results: { user_id: string; result: Record<string, unknown> }[] }>(
                    'GET',
                    `${roomPath(name)}/results?limit=${maxResults}`,
                ).catch(() => ({ results: [] }))
                clear(results)
                for (const r of [...past.results].reverse()) addResult(r.user_id, r.result)
            }
            if (!chat.children.length) chat.append(h('li', { class: 'empty' }, t('noChat')))
            if (!results.children.length) results.append(h('li', { class: 'empty' }, t('noResults')))
            renderFacts()
            renderChatForm()
            return true
        } catch {
            return false
        }
    }

    const renderChatForm = () => {
        if (!session.user) return clear(chatForm, h('p', {}, t('signInToChat')))
        const status = h('p', { class: 'form-status', role: 'status' })
        const text = h('input', { id: 'chat-text', maxlength: '200', autocomplete: 'off', required: true })
        const send = async (e: Event) => {
            e.preventDefault()
            if (!text.value.trim()) return
            try {
                await request('POST', `${roomPath(name)}/chat`, { text: text.value })
                text.value = ''
                status.textContent = ''
            } catch (error) {
                if (error instanceof ApiError && error.status === 403) return renderJoin()
                status.textContent = t('error', { text: (error as Error).message })
            }
        }
        clear(
            chatForm,
            h(
                'form',
                { class: 'inline', onsubmit: (e) => void send(e) },
                h('label', { for: 'chat-text' }, t('message')),
                text,
                h('button', { type: 'submit', class: 'primary' }, t('send')),
            ),
            status,
        )
    }
    /** join_room (with the password for a private room), then `joined`. */
    const joinForm = (withPassword: boolean, joined: () => void) => {
        const status = h('p', { class: 'form-status', role: 'status' })
        const password = h('input', { id: 'join-password', type: 'password', autocomplete: 'off' })
        const join = async (e: Event) => {
            e.preventDefault()
            try {
                await request('POST', 'api/join_room', withPassword ? { name, password: password.value } : { name })
                joined()
            } catch (error) {
                status.textContent = t('error', { text: (error as Error).message })
            }
        }
        return [
            h(
                'form',
                { class: 'inline', onsubmit: (e) => void join(e) },
                withPassword ? h('label', { for: 'join-password' }, t('password')) : null,
                withPassword ? password : null,
                h('button', { type: 'submit', class: 'primary', id: 'join' }, t('join')),
            ),
            status,
        ]
    }
    const renderJoin = () => clear(chatForm, ...joinForm(state.isPrivate, () => void load()))

    /** Reads the room, lays the page out and follows the feed (again after a join from the not-found page). */
    const start = async () => {
        if (!main.contains(facts)) clear(main, ...layout)
        const ok = await load()
        if (!ok || stopped || source) return
        source = new EventSource(`${roomPath(name)}/events`)
        source.onopen = () => ((live.textContent = t('live')), live.classList.add('on'))
        source.onerror = () => ((live.textContent = t('reconnecting')), live.classList.remove('on'))
        source.onmessage = (m) => {
            try {
                onEvent(JSON.parse(m.data))
            } catch {
                // A malformed event is skipped; the next resync repairs the view.
            }
        }
    }
    void start()
    return () => {
        stopped = true
        source?.close()
    }
}

/** Sonolus text codes such as '#ARCADE_SCORE' read as words ('Arcade score'); other titles as they are. */
function sectionTitle(title: string): string {
    const known: Record<string, 'arcadeScore' | 'accuracyScore'> = { '#ARCADE_SCORE': 'arcadeScore', '#ACCURACY_SCORE': 'accuracyScore' }
    if (known[title]) return t(known[title]!)
    if (!title.startsWith('#')) return title
    const words = title.slice(1).toLowerCase().replaceAll('_', ' ')
    return words.charAt(0).toUpperCase() + words.slice(1)
}

function userStatusText(status: string): string {
    const keys: Record<string, 'userWaiting' | 'ready' | 'skipped' | 'inGame'> = {
        waiting: 'userWaiting',
        ready: 'ready',
        skipped: 'skipped',
        playing: 'inGame',
    }
    return keys[status] ? t(keys[status]!) : status
}
