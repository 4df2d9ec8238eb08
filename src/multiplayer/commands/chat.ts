// addChatMessage (https://wiki.sonolus.com/round-multiplayer-server-specs/events/add-chat-message-event):
// the nonce goes back to
// the sender only; others get the message without it. The sender is always the actor, whatever
// `userId` the command carries. Texts starting with '/' are chat commands: echoed to the sender only
// (so their pending message resolves) and answered by chat-commands.ts.
import type { AddChatMessageEvent } from '@sonolus/core'
import { take } from '../rate-limit.js'
import { asChatMessage } from '../validate.js'
import { runChatCommand } from './chat-commands.js'
import { malformed, quietly, type Handler } from './common.js'

export const addChatMessage: Handler = (em, actorId, command) => {
    const nonce = command.nonce
    if (typeof nonce !== 'number' || !Number.isFinite(nonce)) return malformed('nonce')
    const room = em.room
    const message = asChatMessage(command.message, actorId, room.limits.chatMaxLength)
    if (message === 'tooLong') {
        em.notice({ only: [actorId] }, 'chat.tooLong', { max: room.limits.chatMaxLength }, false)
        return quietly('message too long')
    }
    if (message === null) return malformed('message')
    if (!take(room.buckets.chat, actorId, room.limits.chat, em.ctx.now)) {
        em.notice({ only: [actorId] }, 'chat.tooFast', {}, false)
        return quietly('chat rate limit')
    }
    const echo: AddChatMessageEvent = { type: 'addChatMessage', nonce, message }
    if (message.type === 'text' && message.value.startsWith('/')) {
        em.emit(echo, { only: [actorId] })
        runChatCommand(em, actorId, message.value)
        return
    }
    em.emit(echo, { only: [actorId] })
    em.emit({ type: 'addChatMessage', message }, { except: actorId })
    em.effect({ type: 'chat', message, at: em.ctx.now })
}
