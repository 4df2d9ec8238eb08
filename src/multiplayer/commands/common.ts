// What every command handler shares: the handler contract and refusals.
import type { Emitter } from '../output.js'
import type { Obj } from '../validate.js'

/**
 * A refused command. `correct`: the sender's optimistic copy may now differ from the room, so they get
 * a fresh UpdateEvent (rate-limited). Malformed input and commands that change no state are not
 * corrected: an honest client never sends the first, and the second leaves nothing to repair.
 */
export type Refusal = { reason: string; correct: boolean }

/** Checks everything first; emits only once it accepts; returns a Refusal otherwise. */
export type Handler = (em: Emitter, actorId: string, command: Obj) => Refusal | void

export function refuse(reason: string): Refusal {
    return { reason, correct: true }
}

export function malformed(what: string): Refusal {
    return { reason: `malformed ${what}`, correct: false }
}

export function quietly(reason: string): Refusal {
    return { reason, correct: false }
}

export function isMaster(em: Emitter, actorId: string): boolean {
    return em.room.view.master === actorId
}

export function isLead(em: Emitter, actorId: string): boolean {
    return em.room.view.lead === actorId
}

export function statusOf(em: Emitter, userId: string) {
    return em.room.view.userStatuses.find((s) => s.userId === userId)?.status
}
