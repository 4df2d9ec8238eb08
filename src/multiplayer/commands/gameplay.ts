// startGameplay / finishGameplay (https://wiki.sonolus.com/round-multiplayer-server-specs/state/overview,
// "Initialization and
// Suspension"). The round `state` must be the current round's; anything else is stale and ignored.
// A client that sends finishGameplay has gone back to uninitialized whatever we decide, so it always
// gets a fresh UpdateEvent (the `resync` rate limit only stops loops; a held-back one is sent by `tick`).
import type { ServiceUserId } from '@sonolus/core'
import type { Emitter } from '../output.js'
import { take } from '../rate-limit.js'
import { maybeFinishRound } from '../rounds.js'
import { addResultStats } from '../scoreboard.js'
import { asGameplayResult, asObject, asString } from '../validate.js'
import { malformed, quietly, statusOf, type Handler, type Refusal } from './common.js'

const MAX_STATE_LENGTH = 256

function currentRound(em: Emitter, state: string | null) {
    const round = em.room.round
    if (!round || em.room.view.status !== 'playing' || state !== round.state) return null
    return round
}

export const startGameplay: Handler = (em, actorId, command) => {
    const state = asString(command.state, MAX_STATE_LENGTH)
    if (state === null) return malformed('state')
    if (asObject(command.level) === null) return malformed('level')
    if (!currentRound(em, state)) return quietly('stale round state')
    if (statusOf(em, actorId) !== 'ready') return quietly('not ready')
    em.emit({ type: 'updateUserStatus', userStatus: { userId: actorId as ServiceUserId, status: 'playing' } })
}

export const finishGameplay: Handler = (em, actorId, command) => {
    const refusal = finish(em, actorId, command.state, command.result)
    resync(em, actorId)
    return refusal
}

function finish(em: Emitter, actorId: string, rawState: unknown, rawResult: unknown): Refusal | void {
    const state = asString(rawState, MAX_STATE_LENGTH)
    if (state === null) return malformed('state')
    const round = currentRound(em, state)
    if (!round) return quietly('stale round state')
    const status = statusOf(em, actorId)
    const result = asGameplayResult(rawResult)
    if (status === 'playing' && result !== null) {
        em.emit({ type: 'addResult', result: { userId: actorId as ServiceUserId, result } })
        em.effect({ type: 'result', round: round.number, userId: actorId, result })
        addResultStats(em, actorId, result.arcadeScore, result.accuracyScore)
    } else if (status !== 'playing' && status !== 'ready') {
        return quietly('not in this round')
    }
    // Done with this round, with or without a result (a ready player who never started, or a result
    // we could not accept, must not hold the round open).
    em.emit({ type: 'updateUserStatus', userStatus: { userId: actorId as ServiceUserId, status: 'waiting' } })
    maybeFinishRound(em)
    if (status === 'playing' && result === null) return quietly('malformed result')
}

function resync(em: Emitter, actorId: string): void {
    const room = em.room
    if (take(room.buckets.resync, actorId, room.limits.resync, em.ctx.now)) {
        room.pendingCorrections.delete(actorId)
        em.sendSnapshot(actorId)
    } else {
        room.pendingCorrections.add(actorId)
    }
}
