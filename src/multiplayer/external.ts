// Chat from outside the game (REST API, web page), delivered live into the room's Sonolus chat.
// A member writes as themselves; anyone else appears as a system line "name: text" (`userId: null`),
// since the app knows no profile for a user who is not in the room. Rate limits are the caller's.
import type { ChatMessage, ServiceUserId } from '@sonolus/core'
import { Emitter, type EngineContext, type EngineOutput } from './output.js'
import type { EngineRoom } from './state.js'

export type ChatAuthor = { userId: string | null; name?: string }

export function postChatMessage(room: EngineRoom, author: ChatAuthor, text: unknown, ctx: EngineContext): EngineOutput {
    const em = new Emitter(room, ctx)
    if (typeof text !== 'string' || text.trim().length === 0) return em.done('malformed message')
    const max = room.limits.chatMaxLength
    if (text.length > max * 2 || [...text].length > max) return em.done('message too long')
    const member = author.userId === null ? undefined : room.members.get(author.userId)
    const message: ChatMessage = member
        ? { userId: member.id as ServiceUserId, type: 'text', value: text }
        : { userId: null, type: 'text', value: author.name ? `${author.name}: ${text}` : text }
    em.emit({ type: 'addChatMessage', message })
    em.effect({ type: 'chat', message, at: ctx.now })
    return em.done()
}
