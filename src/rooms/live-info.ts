// What the room directory needs to know about rooms that are live on this node. The WebSocket layer
// (rooms/hub.ts) provides it; until a room is live, a created room counts as open with nobody in it.
import type { RoomStatus, Sil } from '@sonolus/core'

export type LiveRoomInfo = {
    playerCount: number
    /** Seats of the live room (a full room has playerCount >= maxPlayers). */
    maxPlayers: number
    status: RoomStatus
    level: Sil | null
    title: string
    /** Name of the player who is master now (absent while nobody is). */
    masterName?: string
}

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
