// Rounds: preparing → playing (start) and playing → selecting (finish), with the implicit status
// effects made explicit: skipped players are set waiting by the server's own
// UpdateUserStatusesEvent before the room plays, and everybody is set waiting before it selects again.
import type { ResultEntry, ServiceUserId, UserStatusEntry } from '@sonolus/core'
import type { Emitter } from './output.js'
import { addWin, formatNumber } from './scoreboard.js'

/** Preconditions (checked by the caller): status preparing, a level, at least one ready player. */
export function startRound(em: Emitter): void {
    const { room, ctx } = em
    const statuses = room.view.userStatuses
    if (statuses.some((s) => s.status === 'skipped')) {
        em.emit({
            type: 'updateUserStatuses',
            userStatuses: statuses.map((s): UserStatusEntry => (s.status === 'skipped' ? { userId: s.userId, status: 'waiting' } : s)),
        })
    }
    em.emit({ type: 'updateStatus', status: 'playing' })
    const participants = room.view.userStatuses.filter((s) => s.status === 'ready').map((s) => s.userId as string)
    room.roundCounter += 1
    const number = room.roundCounter
    const state = `${number}.${Math.floor(ctx.random() * 2 ** 48).toString(36)}`
    const event = { type: 'startRound', state, seed: ctx.random() } as const
    room.round = { number, state, event, participants }
    // The same event object for every readied client: same state, same seed.
    em.emit(event, { only: participants })
    em.notice('all', 'round.started', { round: number, count: participants.length })
    em.effect({ type: 'roundStarted', round: number, state, level: room.view.level, participants: [...participants] })
}

/** Sets everybody waiting (if needed) and the room back to selecting; counts wins; sums up. */
export function finishRound(em: Emitter): void {
    const { room } = em
    const results = room.view.results.slice()
    const number = room.round?.number ?? room.roundCounter
    room.round = null

    if (results.length > 0) {
        const best = Math.max(...results.map((r) => r.result.arcadeScore))
        for (const r of results) if (r.result.arcadeScore === best) addWin(em, r.userId)
    }
    resetStatuses(em)
    em.emit({ type: 'updateStatus', status: 'selecting' })

    if (results.length === 0) {
        em.notice('all', 'round.finishedEmpty', { round: number })
    } else {
        const { ranking, more } = rankingText(em, results)
        em.notice('all', 'round.finished', { round: number, ranking, more })
    }
    em.effect({ type: 'roundFinished', round: number, results })
}

/** Everybody waiting, with one UpdateUserStatusesEvent, unless they already are. */
export function resetStatuses(em: Emitter): void {
    const statuses = em.room.view.userStatuses
    if (statuses.every((s) => s.status === 'waiting')) return
    em.emit({
        type: 'updateUserStatuses',
        userStatuses: statuses.map((s): UserStatusEntry => ({ userId: s.userId as ServiceUserId, status: 'waiting' })),
    })
}

/** The round ends by itself once nobody is ready or playing any more. */
export function maybeFinishRound(em: Emitter): void {
    const view = em.room.view
    if (view.status !== 'playing') return
    if (view.userStatuses.some((s) => s.status === 'ready' || s.status === 'playing')) return
    finishRound(em)
}

const SUMMARY_SIZE = 10

function rankingText(em: Emitter, results: ResultEntry[]): { ranking: string; more: number } {
    const room = em.room
    const key = room.settings.scoring === 'accuracy' ? 'accuracyScore' : 'arcadeScore'
    const sorted = results.slice().sort((a, b) => b.result[key] - a.result[key])
    const lines = sorted.slice(0, SUMMARY_SIZE).map((r, i) => {
        const name = room.members.get(r.userId)?.name ?? r.userId
        return `${i + 1}. ${name} (${formatNumber(r.result[key])})`
    })
    return { ranking: lines.join(', '), more: Math.max(0, sorted.length - SUMMARY_SIZE) }
}
