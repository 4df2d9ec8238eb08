// updateMaster, updateLead, removeUser: only the master may send them.
import type { ServiceUserId } from '@sonolus/core'
import { removeMember } from '../lifecycle.js'
import { asUserId } from '../validate.js'
import { isMaster, malformed, refuse, type Handler } from './common.js'

export const updateMaster: Handler = (em, actorId, command) => {
    const target = asUserId(command.master)
    if (target === null) return malformed('master')
    if (!isMaster(em, actorId)) return refuse('not the master')
    const member = em.room.members.get(target)
    if (!member) return refuse('no such user')
    if (em.room.view.master === target) return
    em.emit({ type: 'updateMaster', master: target as ServiceUserId })
    em.notice('all', 'role.master', { name: member.name })
}

export const updateLead: Handler = (em, actorId, command) => {
    const target = asUserId(command.lead)
    if (target === null) return malformed('lead')
    if (!isMaster(em, actorId)) return refuse('not the master')
    const member = em.room.members.get(target)
    if (!member) return refuse('no such user')
    if (em.room.view.lead === target) return
    em.emit({ type: 'updateLead', lead: target as ServiceUserId })
    em.notice('all', 'role.lead', { name: member.name })
}

export const removeUser: Handler = (em, actorId, command) => {
    const target = asUserId(command.userId)
    if (target === null) return malformed('userId')
    if (!isMaster(em, actorId)) return refuse('not the master')
    if (target === actorId) return refuse('cannot kick yourself')
    if (!em.room.members.has(target)) return refuse('no such user')
    kick(em, target)
}

export function kick(em: Parameters<Handler>[0], target: string): void {
    removeMember(em, target, 'kicked')
    em.effect({ type: 'kick', userId: target })
}
