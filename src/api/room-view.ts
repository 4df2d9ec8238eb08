// How a room looks through the API: a summary in lists, the details on GET /api/rooms/{name}. Live facts
// (status, level, master, lead, players) come from the live room, on whichever node hosts it; a room
// nobody has entered yet reads as selecting with nobody in it.
import { Type, type Static } from '@sinclair/typebox'
import { roomStatuses } from '../multiplayer/index.js'
import type { ListedRoom } from '../rooms/directory.js'
import type { LiveRoom } from '../rooms/live-room.js'
import type { RoomMember, RoomRecord } from '../store/store.js'

const Level = Type.Union([Type.Object({ address: Type.Optional(Type.String()), name: Type.String() }), Type.Null()], {
    description: 'The selected level (a Sonolus item locator), null when none',
})
const Person = Type.Object({ id: Type.String(), handle: Type.String(), name: Type.String() })
export const RoomStatusSchema = Type.Union(roomStatuses.map((status) => Type.Literal(status)))

export const RoomSummary = Type.Object({
    room_id: Type.Integer(),
    room_name: Type.String(),
    title: Type.String(),
    private: Type.Boolean(),
    status: RoomStatusSchema,
    level: Level,
    players: Type.Integer({ description: 'Players in the game now' }),
    max_players: Type.Integer(),
    free_seats: Type.Integer(),
    creator_name: Type.Union([Type.String(), Type.Null()]),
    master_name: Type.Union([Type.String(), Type.Null()], { description: 'Name of the master now (null while nobody is)' }),
    created_at: Type.Integer({ description: 'Unix ms' }),
})

export const RoomDetails = Type.Object({
    room_id: Type.Integer(),
    room_name: Type.String(),
    title: Type.String(),
    private: Type.Boolean(),
    closed: Type.Boolean({ description: 'Closed rooms keep their history but cannot be joined' }),
    status: RoomStatusSchema,
    level: Level,
    scoring: Type.String(),
    teams: Type.Integer({ description: '0: no teams' }),
    allow_other_servers: Type.Boolean(),
    creator: Type.Object({ id: Type.String(), name: Type.Union([Type.String(), Type.Null()]) }),
    master: Type.Union([Person, Type.Null()]),
    lead: Type.Union([Person, Type.Null()]),
    players: Type.Array(Person, { description: 'In the game (Sonolus) now' }),
    player_statuses: Type.Array(Type.Object({ user_id: Type.String(), status: Type.String({ description: 'waiting, ready, skipped or playing' }) }), {
        description: 'Each player in the game and their status',
    }),
    members: Type.Array(
        Type.Object({
            id: Type.String(),
            handle: Type.Union([Type.String(), Type.Null()]),
            name: Type.Union([Type.String(), Type.Null()]),
            joined_at: Type.Integer(),
        }),
        { description: 'API members (POST /api/join_room), earliest first' },
    ),
    capacity: Type.Object({
        max_players: Type.Integer(),
        players: Type.Integer(),
        free_seats: Type.Integer({ description: 'Seats left for Sonolus players; API members hold none' }),
    }),
    created_at: Type.Integer(),
})

export function roomSummary({ room, live }: ListedRoom): Static<typeof RoomSummary> {
    return {
        room_id: room.id,
        room_name: room.name,
        title: live.title,
        private: room.passwordHash !== null,
        status: live.status,
        level: live.level,
        players: live.playerCount,
        max_players: room.maxPlayers,
        free_seats: Math.max(0, room.maxPlayers - live.playerCount),
        creator_name: room.creatorName,
        master_name: live.masterName ?? null,
        created_at: room.createdAt,
    }
}

/** A live room's state as the API shows it: plain JSON, so the node hosting the room can send it to another. */
export type LiveView = {
    title: string
    status: Static<typeof RoomStatusSchema>
    level: Static<typeof Level>
    scoring: string
    teams: number
    master: Static<typeof Person> | null
    lead: Static<typeof Person> | null
    players: Static<typeof Person>[]
    player_statuses: { user_id: string; status: string }[]
    scoreboard: { description: string | null; sections: { title: string; scores: { user_id: string; name: string | null; value: string }[] }[] }
}

/** The view of a live room of this node; undefined when it has closed. */
export function liveView(live: LiveRoom): LiveView | undefined {
    if (live.isClosed) return undefined
    const { view, members, settings } = live.engine
    const person = (id: string | null) => {
        const member = id === null ? undefined : members.get(id)
        return member ? { id: member.id, handle: member.handle, name: member.name } : null
    }
    return {
        title: view.title,
        status: view.status,
        level: view.level,
        scoring: settings.scoring,
        teams: settings.teams,
        master: person(view.master),
        lead: person(view.lead),
        players: [...members.values()].map((m) => ({ id: m.id, handle: m.handle, name: m.name })),
        player_statuses: view.userStatuses.map((u) => ({ user_id: u.userId as string, status: u.status })),
        scoreboard: {
            description: view.scoreboardDescription ?? null,
            sections: view.scoreboardSections.map((section) => ({
                title: String(section.title),
                scores: section.scores.map((score) => ({
                    user_id: score.userId,
                    name: members.get(score.userId)?.name ?? null,
                    value: String(score.value),
                })),
            })),
        },
    }
}

export function roomDetails(room: RoomRecord, live: LiveView | undefined, members: RoomMember[]): Static<typeof RoomDetails> {
    const players = live?.players ?? []
    return {
        room_id: room.id,
        room_name: room.name,
        title: live?.title ?? room.title,
        private: room.passwordHash !== null,
        closed: room.closedAt !== null,
        status: live?.status ?? 'selecting',
        level: live?.level ?? null,
        scoring: live?.scoring ?? room.scoring,
        teams: live?.teams ?? room.teams,
        allow_other_servers: room.allowOtherServers,
        creator: { id: room.creatorId, name: room.creatorName },
        master: live?.master ?? null,
        lead: live?.lead ?? null,
        players,
        player_statuses: live?.player_statuses ?? [],
        members: members.map((m) => ({ id: m.userId, handle: m.handle, name: m.name, joined_at: m.joinedAt })),
        capacity: { max_players: room.maxPlayers, players: players.length, free_seats: Math.max(0, room.maxPlayers - players.length) },
        created_at: room.createdAt,
    }
}
