// What the room directory needs to know about rooms that are live on this node. The WebSocket layer
// (rooms/hub.ts) provides it; until a room is live, a created room counts as open with nobody in it.
import type { Sil } from '@sonolus/core'

export type LiveRoomInfo = {
    playerCount: number
    status: 'selecting' | 'preparing' | 'playing'
    level: Sil | null
    title: string
    masterName?: string
}

export interface LiveRoomSource {
    info(roomName: string): LiveRoomInfo | undefined
    isMember(roomName: string, userId: string): boolean
}

/** No live rooms at all: every created room is open with 0 players. */
export const nullLiveRoomSource: LiveRoomSource = {
    info: () => undefined,
    isMember: () => false,
}
