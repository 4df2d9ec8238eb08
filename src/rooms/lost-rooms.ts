// Rooms whose live state was lost. A room's players, level, round and scoreboard live only in the memory
// of the process hosting it; when that process ends (a crash, kill -9, or a shutdown) the room cannot
// go on, yet its row would stay open: listed, joinable into an empty room, counted against the caps.
// At start such rooms are closed, their history (settings, chat, results, reports) kept.
import type { RoomRecord, Store } from '../store/store.js'

const page = 500

/**
 * Closes every open room `wasLost` picks (at `now`); returns their names. A single node owns every room,
 * so it picks all of them; a multi-node mode must pick only the rooms of the node that died.
 */
export async function closeLostRooms(store: Store, now: number, wasLost: (room: RoomRecord) => boolean = () => true): Promise<string[]> {
    const lost: string[] = []
    let after: { createdAt: number; id: number } | undefined
    for (;;) {
        const rooms = await store.listOpenRooms({ viewerId: null, now, includeAllPrivate: true, limit: page, after })
        for (const room of rooms) if (wasLost(room)) lost.push(room.name)
        if (rooms.length < page) break
        const last = rooms[rooms.length - 1]!
        after = { createdAt: last.createdAt, id: last.id }
    }
    for (const name of lost) await store.updateRoom(name, { closedAt: now })
    return lost
}
