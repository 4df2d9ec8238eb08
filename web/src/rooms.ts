// The room list: searched by keywords, polled every few seconds (the list changes without a reload).
import { request, type RoomSummary } from './api.js'
import { h, clear } from './dom.js'
import type { Session } from './main.js'
import { t } from './i18n.js'

const pollMs = 3000

export function statusText(status: string): string {
    return status === 'playing' ? t('playing') : status === 'preparing' ? t('preparing') : t('selecting')
}

export function roomsView(main: HTMLElement, _session: Session): () => void {
    const input = h('input', { id: 'search', type: 'search', placeholder: t('searchPlaceholder'), autocomplete: 'off' })
    const list = h('ul', { class: 'rooms', id: 'room-list', 'aria-live': 'polite' })
    clear(
        main,
        h('h1', {}, t('rooms')),
        h('form', { role: 'search', class: 'search', onsubmit: (e) => e.preventDefault() }, h('label', { for: 'search' }, t('search')), input),
        list,
    )
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    let seq = 0
    const load = async () => {
        clearTimeout(timer)
        const mine = ++seq
        try {
            const q = new URLSearchParams({ limit: '50' })
            if (input.value.trim()) q.set('keywords', input.value.trim())
            const { rooms } = await request<{ rooms: RoomSummary[] }>('GET', `api/rooms?${q}`)
            if (mine === seq && !stopped) renderList(list, rooms)
        } catch {
            // Shown stale until the next poll succeeds.
        }
        if (!stopped) timer = setTimeout(load, pollMs)
    }
    input.addEventListener('input', () => void load())
    void load()
    return () => {
        stopped = true
        clearTimeout(timer)
    }
}

function renderList(list: HTMLElement, rooms: RoomSummary[]): void {
    if (!rooms.length) return clear(list, h('li', { class: 'empty' }, t('noRooms')))
    clear(
        list,
        ...rooms.map((room) =>
            h(
                'li',
                { class: 'room-card', 'data-room': room.room_name },
                h(
                    'a',
                    { href: `rooms/${encodeURIComponent(room.room_name)}`, class: 'room-title' },
                    room.title,
                    room.private ? h('span', { class: 'badge', title: t('private') }, t('privateShort')) : null,
                ),
                h(
                    'dl',
                    { class: 'facts' },
                    h('div', {}, h('dt', {}, t('status')), h('dd', { class: `status ${room.status}` }, statusText(room.status))),
                    h('div', {}, h('dt', {}, t('level')), h('dd', {}, room.level?.name ?? t('noLevel'))),
                    h(
                        'div',
                        {},
                        h('dt', {}, t('players')),
                        h('dd', { class: 'count' }, t('capacity', { players: room.players, max: room.max_players })),
                    ),
                    h('div', {}, h('dt', {}, t('master')), h('dd', {}, room.master_name ?? '—')),
                ),
            ),
        ),
    )
}
