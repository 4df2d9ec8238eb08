// updateStatus (room phases) and updateUserStatus (ready / skip).
//   selecting → preparing: lead, a level is selected ("confirm")
//   preparing → selecting: lead ("cancel"); everybody set waiting first
//   preparing → playing:   master, at least one ready player ("start")
//   playing   → selecting: master ("finish"); everybody set waiting first
import type { ServiceUserId } from '@sonolus/core'
import { finishRound, resetStatuses, startRound } from '../rounds.js'
import { asRoomStatus, asUserStatus } from '../validate.js'
import { isLead, isMaster, malformed, refuse, statusOf, type Handler } from './common.js'

export const updateStatus: Handler = (em, actorId, command) => {
    const status = asRoomStatus(command.status)
    if (status === null) return malformed('status')
    const view = em.room.view
    const from = view.status
    if (from === status) return
    if (from === 'selecting' && status === 'preparing') {
        if (!isLead(em, actorId)) return refuse('not the lead')
        if (view.level === null) return refuse('no level selected')
        em.emit({ type: 'updateStatus', status })
        return
    }
    if (from === 'preparing' && status === 'selecting') {
        if (!isLead(em, actorId)) return refuse('not the lead')
        resetStatuses(em)
        em.emit({ type: 'updateStatus', status })
        return
    }
    if (from === 'preparing' && status === 'playing') {
        if (!isMaster(em, actorId)) return refuse('not the master')
        if (!view.userStatuses.some((s) => s.status === 'ready')) return refuse('nobody is ready')
        startRound(em)
        return
    }
    if (from === 'playing' && status === 'selecting') {
        if (!isMaster(em, actorId)) return refuse('not the master')
        finishRound(em)
        return
    }
    return refuse(`cannot go from ${from} to ${status}`)
}

export const updateUserStatus: Handler = (em, actorId, command) => {
    const status = asUserStatus(command.status)
    if (status === null) return malformed('status')
    if (status === 'playing') return refuse('playing is set by starting gameplay')
    if (em.room.view.status !== 'preparing') return refuse('not preparing')
    if (statusOf(em, actorId) === status) return
    em.emit({ type: 'updateUserStatus', userStatus: { userId: actorId as ServiceUserId, status } })
}
