// What the room directory needs to know about rooms that are live on this node. The WebSocket layer
// (rooms/hub.ts) provides it; until a room is live, a created room counts as open with nobody in it.
import type { LiveRoomInfo } from '../cluster/cluster.js'

export type { LiveRoomInfo } from '../cluster/cluster.js'

export interface LiveRoomSource {
    info(roomName: string): LiveRoomInfo | undefined
    /** Every live room with its facts (the room list turns live filters into name sets from these). */
    entries(): Iterable<[string, LiveRoomInfo]>
    isMember(roomName: string, userId: string): boolean
    /** Bans this node holds in memory (kicks), whether or not their store write succeeded. */
    isBanned(roomName: string, userId: string, now: number): boolean
}

/** No live rooms at all: every created room is open with 0 players. */
export const nullLiveRoomSource: LiveRoomSource = {
    info: () => undefined,
    entries: () => [],
    isMember: () => false,
    isBanned: () => false,
}
