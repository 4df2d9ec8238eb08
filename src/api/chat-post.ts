// POST /api/rooms/{name}/chat, the delivery part: into the live room on whichever node hosts it (the
// room's engine sends the AddChatMessageEvent to every player and stores the line), else straight into
// the history under the same limits, written the way the engine writes a non-player's line.
import type { ChatMessage } from '@sonolus/core'
import { defaultLimits } from '../multiplayer/index.js'
import { take, waitMs, type Bucket } from '../multiplayer/rate-limit.js'
import type { PostChatResult } from '../rooms/live-room.js'
import type { RoomRecord } from '../store/store.js'
import type { ApiServices } from './plugin.js'

export type PostOutcome = PostChatResult & { delivered?: boolean; at?: number }

/** `playersOnly`: the author is no member this node knows of; only a player in the game (as the room's node sees it) may post. */
export type ChatPoster = (room: RoomRecord, author: { userId: string; name: string }, text: string, playersOnly?: boolean) => Promise<PostOutcome>

export function chatPoster(s: ApiServices): ChatPoster {
    /** Buckets of rooms that are not live (keyed room + user); a live room keeps its own. */
    const offlineBuckets = new Map<string, Bucket>()
    let offlineSweepAt = 0
    return async (room, author, text, playersOnly = false) => {
        const now = s.now()
        const roomName = room.name
        const result = await s.live.postChat(room, author, text, playersOnly)
        if (result?.ok) {
            // Answered once the line is stored, as the players' frames are (Store.afterCommit).
            await new Promise<void>((resolve) => s.store.afterCommit(resolve))
            return { ...result, delivered: true, at: now }
        }
        if (result) return result
        if (playersOnly) return { ok: false, reason: 'notMember' }
        const limits = defaultLimits
        if (text.trim().length === 0) return { ok: false, reason: 'empty' }
        if (text.length > limits.chatMaxLength * 2 || [...text].length > limits.chatMaxLength) return { ok: false, reason: 'tooLong' }
        if (now - offlineSweepAt > 60_000) {
            // Forget full buckets now and then (a bucket refills in one window).
            offlineSweepAt = now
            for (const [key, bucket] of offlineBuckets) if (now - bucket.at > limits.chat.windowMs) offlineBuckets.delete(key)
        }
        const key = `${roomName}\n${author.userId}`
        if (!take(offlineBuckets, key, limits.chat, now)) {
            return { ok: false, reason: 'tooFast', retryAfterMs: Math.max(1, waitMs(offlineBuckets, key, limits.chat, now)) }
        }
        // Nobody is in the game: the author is not a player, so the line is a named system line.
        const message: ChatMessage = { userId: null, type: 'text', value: `${author.name}: ${text}` }
        await s.store.insertChatMessage({ roomName, userId: null, type: 'text', value: message.value, at: now })
        s.feeds.publish(roomName, { type: 'chat', user_id: null, value: message.value, message_type: 'text', at: now })
        return { ok: true, message, delivered: false, at: now }
    }
}
