// GET /sonolus/rooms/info: the rooms home — sections (rooms with a free seat, rooms playing now, the
// player's own rooms), the create form and the search forms.
// https://wiki.sonolus.com/custom-server-specs/endpoints/get-sonolus-type-info.
import type { ServerItemInfo, ServerItemSection } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { translator } from '../../i18n.js'
import { LocalizedQuery, type SonolusServices } from '../context.js'
import { advancedSearchForm, createForm, searchForms } from './forms.js'
import { roomItem } from './items.js'

const perSection = 5

export function roomsInfoRoute(app: FastifyInstance, s: SonolusServices): void {
    app.get('/rooms/info', { schema: { querystring: LocalizedQuery }, config: { signIn: 'optional' } }, async (request): Promise<ServerItemInfo> => {
        const tr = translator(request.locale)
        const now = s.now()
        const first = { offset: 0, limit: perSection }
        const [mine, open, playing] = await Promise.all([
            request.userId === null ? [] : s.directory.search(request.userId, { createdBy: request.userId }, now, first),
            s.directory.search(request.userId, { freeSeats: true }, now, first),
            s.directory.search(request.userId, { status: 'playing' }, now, first),
        ])
        const search = advancedSearchForm(tr)
        const sections: ServerItemSection[] = []
        if (mine.length) sections.push({ title: tr('sectionYourRooms'), icon: 'user', itemType: 'room', items: mine.map((r) => roomItem(r, tr)) })
        sections.push({
            title: tr('sectionOpenRooms'),
            icon: 'room',
            itemType: 'room',
            items: open.map((r) => roomItem(r, tr)),
            search,
            searchValues: 'type=advanced&freeSeats=1',
        })
        if (playing.length) {
            sections.push({
                title: tr('sectionPlaying'),
                icon: 'stopwatch',
                itemType: 'room',
                items: playing.map((r) => roomItem(r, tr)),
                search,
                searchValues: 'type=advanced&status=playing',
            })
        }
        return { title: tr('roomsTitle'), creates: [createForm(tr, s.config)], searches: searchForms(tr), sections }
    })
}
