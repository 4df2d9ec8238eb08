// GET /sonolus/rooms/list: 20 rooms a page, newest first. Searches: quick (`type=quick&keywords=`),
// advanced (keywords, status, free seats, level), private (room name or exact title + password: unlocks
// the matching private rooms for this player and lists them). The store filters and pages (directory.search).
// https://wiki.sonolus.com/custom-server-specs/endpoints/get-sonolus-type-list.
import { Type, type Static } from '@sinclair/typebox'
import type { RoomItem, ServerItemList } from '@sonolus/core'
import type { FastifyInstance } from 'fastify'
import { translator } from '../../i18n.js'
import type { RoomFilter } from '../../rooms/directory.js'
import type { SonolusServices } from '../context.js'
import { badRequest, forbidden, tooManyRequests, unauthorized } from '../errors.js'
import { searchForms, statusChoices } from './forms.js'
import { roomItem } from './items.js'

export const pageSize = 20

const Toggle = Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')])

const ListQuery = Type.Object({
    localization: Type.Optional(Type.String({ maxLength: 32 })),
    page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    type: Type.Optional(Type.String({ maxLength: 32 })),
    keywords: Type.Optional(Type.String({ maxLength: 200 })),
    status: Type.Optional(Type.Union(statusChoices.map((s) => Type.Literal(s)))),
    freeSeats: Type.Optional(Toggle),
    level: Type.Optional(Type.String({ maxLength: 200 })),
    room: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 200 })),
})
type ListQuery = Static<typeof ListQuery>

const keywordsOf = (text: string | undefined): string[] | undefined => {
    const words = (text ?? '').split(/\s+/).filter(Boolean).slice(0, 10)
    return words.length ? words : undefined
}

export function roomsListRoute(app: FastifyInstance, s: SonolusServices): void {
    app.get<{ Querystring: ListQuery }>(
        '/rooms/list',
        { schema: { querystring: ListQuery }, config: { signIn: 'optional' } },
        async (request): Promise<ServerItemList<RoomItem>> => {
            const tr = translator(request.locale)
            const q = request.query
            const now = s.now()
            const searches = searchForms(tr)

            if (q.type === 'private') {
                if (request.userId === null) throw unauthorized('sessionRequired')
                if (!q.room?.trim() || !q.password) throw badRequest('privateSearchIncomplete')
                const result = await s.directory.unlock(request.userId, q.room, q.password, now)
                if (!result.ok)
                    throw result.reason === 'wrongPassword'
                        ? forbidden(result.reason)
                        : tooManyRequests(result.reason, 'retryAfterMs' in result ? result.retryAfterMs : undefined)
                const items = result.rooms.map((room) => roomItem({ room, live: s.directory.liveInfo(room) }, tr))
                return { pageCount: 1, items, searches }
            }

            const filter: RoomFilter = { keywords: keywordsOf(q.keywords) }
            if (q.type === 'advanced') {
                if (q.status && q.status !== 'any') filter.status = q.status
                if (q.freeSeats === '1' || q.freeSeats === 'true') filter.freeSeats = true
                if (q.level?.trim()) filter.level = q.level.trim()
            }
            const page = q.page ?? 0
            const { rooms, total } = await s.directory.searchWithTotal(request.userId, filter, now, { offset: page * pageSize, limit: pageSize })
            return { pageCount: Math.max(1, Math.ceil(total / pageSize)), items: rooms.map((r) => roomItem(r, tr)), searches }
        },
    )
}
