// Who may see a room through the API and who counts as its member. A private room is visible to its
// creator, players in it, players who unlocked it (in the app or through join_room) and its API
// members; to anyone else it does not exist (404, as in the app).
import type { RoomRecord } from '../store/store.js'
import { apiNotFound } from './errors.js'
import type { ApiServices } from './plugin.js'

export async function mayAccess(s: ApiServices, room: RoomRecord, userId: string | null): Promise<boolean> {
    if (await s.directory.canSee(room, userId, s.now())) return true
    return userId !== null && (await s.store.getRoomMembership(room.name, userId)) !== undefined
}

/** The room (open or closed) if this caller may see it; 404 `room not found` otherwise. */
export async function visibleRoom(s: ApiServices, name: string, userId: string | null): Promise<RoomRecord> {
    const room = await s.directory.get(name)
    if (!room || !(await mayAccess(s, room, userId))) throw apiNotFound()
    return room
}

/** An API member (join_room) or a player in the room now. */
export async function isRoomMember(s: ApiServices, room: RoomRecord, userId: string): Promise<boolean> {
    return s.directory.isMember(room.name, userId) || (await s.store.getRoomMembership(room.name, userId)) !== undefined
}
