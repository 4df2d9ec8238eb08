// handleCommand: one untrusted command from a member → the events that follow.
//
// Permissions (Ensemble's reading where the protocol leaves roles open):
//   master: updateMaster, updateLead, removeUser, updateOptionValues, resetScoreboard,
//           updateStatus preparing → playing (start) and playing → selecting (finish)
//   lead:   updateLevel, updateLevelOption, updateAutoExit (selecting), updateIsSuggestionsLocked,
//           clearSuggestions, swapSuggestions, removeSuggestion (anyone: their own),
//           updateStatus selecting → preparing (confirm, needs a level) and preparing → selecting (cancel)
//   anyone: addSuggestion (unless locked; the lead always may), updateUserStatus (preparing:
//           waiting / ready / skipped), startGameplay, finishGameplay, addChatMessage, reportUser
//
// Refusals: the output has `ignored` and no events. Clients update optimistically, so a refused
// state-changing command may have left the sender's copy different from the room: the sender then gets
// a fresh UpdateEvent, at most `limits.correction` per window; one held back is sent by `tick` (or with
// the sender's next command) once the window allows. Malformed and unknown commands are ignored
// without an answer.
import type { Command } from '@sonolus/core'
import type { Emitter } from '../output.js'
import { Emitter as OutputEmitter, type EngineContext, type EngineOutput } from '../output.js'
import { take } from '../rate-limit.js'
import type { EngineRoom } from '../state.js'
import { asObject } from '../validate.js'
import { addChatMessage } from './chat.js'
import type { Handler } from './common.js'
import { finishGameplay, startGameplay } from './gameplay.js'
import { updateAutoExit, updateLevel, updateLevelOption } from './level.js'
import { reportUser } from './report.js'
import { removeUser, updateLead, updateMaster } from './roles.js'
import { resetScoreboard, updateOptionValues } from './settings.js'
import { updateStatus, updateUserStatus } from './status.js'
import { addSuggestion, clearSuggestions, removeSuggestion, swapSuggestions, updateIsSuggestionsLocked } from './suggestions.js'

/** One handler per command type of the protocol: a command without a handler does not compile. */
export const handlers: { readonly [K in Command['type']]: Handler } = {
    addChatMessage,
    addSuggestion,
    clearSuggestions,
    finishGameplay,
    removeSuggestion,
    removeUser,
    reportUser,
    resetScoreboard,
    startGameplay,
    swapSuggestions,
    updateAutoExit,
    updateIsSuggestionsLocked,
    updateLead,
    updateLevel,
    updateLevelOption,
    updateMaster,
    updateOptionValues,
    updateStatus,
    updateUserStatus,
}

/** Every command type, in the handler map's order (property tests draw from it). */
export const commandTypes = Object.keys(handlers) as Command['type'][]

export function handleCommand(room: EngineRoom, actorId: string, raw: unknown, ctx: EngineContext): EngineOutput {
    const em = new OutputEmitter(room, ctx)
    if (!room.members.has(actorId)) return em.done('not a member')
    const command = asObject(raw)
    if (!command || typeof command.type !== 'string') return em.done('malformed command')
    const handler = Object.hasOwn(handlers, command.type) ? handlers[command.type as Command['type']] : undefined
    if (!handler) return em.done('unknown command')

    const refusal = handler(em, actorId, command)
    if (refusal && refusal.correct) room.pendingCorrections.add(actorId)
    flushCorrection(em, actorId)
    return em.done(refusal ? refusal.reason : undefined)
}

/** Sends the actor their owed UpdateEvent if the correction rate allows it now. */
function flushCorrection(em: Emitter, actorId: string): void {
    const room = em.room
    if (!room.pendingCorrections.has(actorId) || !room.members.has(actorId)) return
    if (!take(room.buckets.correction, actorId, room.limits.correction, em.ctx.now)) return
    room.pendingCorrections.delete(actorId)
    em.sendSnapshot(actorId)
}
