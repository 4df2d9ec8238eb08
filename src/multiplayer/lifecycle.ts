// Joining, returning, leaving: the room's membership and the role succession:
// - the creator becomes master and lead on their first join; a vacant role goes to the longest-present
//   member (so the first player into an empty room takes both);
// - when the master or lead leaves, the role passes to the longest-present remaining member;
// - a returning member (reconnect, second connection) keeps everything and gets a full UpdateEvent;
//   if their signed RoomUser changed, the others get UpdateUsersEvent with the entry replaced;
// - a leaving member is removed from statuses (explicitly, before RemoveUserEvent), results and the
//   scoreboard; the round ends if nobody is left ready or playing.
import type { RoomUser } from '@sonolus/core'
import { Emitter, type EngineContext, type EngineOutput } from './output.js'
import { roomUserInfo, sameRoomUser } from './room-user.js'
import { maybeFinishRound } from './rounds.js'
import { assignTeam, reorderTeams } from './scoreboard.js'
import { longestPresent, type EngineRoom } from './state.js'
import { take } from './rate-limit.js'

export type JoinInput = {
    user: RoomUser
    profile: { id: string; handle: string; name: string }
    locale: string
}

export type LeaveReason = 'left' | 'kicked' | 'expired'

export function joinUser(room: EngineRoom, input: JoinInput, ctx: EngineContext): EngineOutput {
    const em = new Emitter(room, ctx)
    const info = roomUserInfo(input.user)
    if (!info) return em.done('invalid room user')
    const id = info.id
    if (room.members.has(id)) return rejoinUser(room, id, input.user, ctx)
    if (room.members.size >= room.maxPlayers) return em.done('room is full')

    const name = input.profile.name || info.name || id
    room.members.set(id, {
        id,
        handle: input.profile.handle || info.handle,
        name,
        locale: input.locale,
        joinSeq: ++room.joinCounter,
        team: assignTeam(room),
    })
    em.emit({ type: 'addUser', user: input.user }, { except: id })

    const creatorFirstJoin = id === room.creatorId && !room.creatorJoined
    if (id === room.creatorId) room.creatorJoined = true
    const heir = creatorFirstJoin ? id : longestPresent(room)!.id
    // The joiner learns master and lead from its snapshot: its first frame is always the UpdateEvent
    // (an uninitialized client ignores everything before it:
    // https://wiki.sonolus.com/round-multiplayer-server-specs/state/overview).
    if (room.view.master === null || (creatorFirstJoin && room.view.master !== id)) {
        em.emit({ type: 'updateMaster', master: heir as never }, { except: id })
    }
    if (room.view.lead === null || (creatorFirstJoin && room.view.lead !== id)) {
        em.emit({ type: 'updateLead', lead: heir as never }, { except: id })
    }

    em.sendSnapshot(id)
    em.notice('all', 'user.joined', { name })
    return em.done()
}

export function rejoinUser(room: EngineRoom, userId: string, user: RoomUser, ctx: EngineContext): EngineOutput {
    const em = new Emitter(room, ctx)
    if (!room.members.has(userId)) return em.done('not a member')
    const info = roomUserInfo(user)
    if (!info || info.id !== userId) return em.done('room user does not belong to this member')

    const index = room.view.users.findIndex((u) => roomUserInfo(u)?.id === userId)
    if (index >= 0 && !sameRoomUser(room.view.users[index]!, user)) {
        const users = room.view.users.slice()
        users[index] = user
        em.emit({ type: 'updateUsers', users }, { except: userId })
        const member = room.members.get(userId)!
        if (info.name) member.name = info.name
        if (info.handle) member.handle = info.handle
    }
    em.sendSnapshot(userId)
    room.pendingCorrections.delete(userId)
    // A readied player who lost the StartRoundEvent gets the very same one again.
    const round = room.round
    if (round && room.view.status === 'playing') {
        const status = room.view.userStatuses.find((s) => s.userId === userId)?.status
        if (status === 'ready') em.emit(round.event, { only: [userId] })
    }
    return em.done()
}

export function leaveUser(room: EngineRoom, userId: string, reason: LeaveReason, ctx: EngineContext): EngineOutput {
    const em = new Emitter(room, ctx)
    if (!room.members.has(userId)) return em.done('not a member')
    removeMember(em, userId, reason)
    return em.done()
}

/** Removes a member with every event that follows (shared by leaving and kicking). */
export function removeMember(em: Emitter, userId: string, reason: LeaveReason): void {
    const room = em.room
    const view = room.view
    const user = view.users.find((u) => roomUserInfo(u)?.id === userId)
    const member = room.members.get(userId)
    if (!user || !member) return
    const wasMaster = view.master === userId
    const wasLead = view.lead === userId

    em.emit({ type: 'updateUserStatuses', userStatuses: view.userStatuses.filter((s) => s.userId !== userId) }, { except: userId })
    em.emit({ type: 'removeUser', user })
    room.members.delete(userId)
    room.stats.delete(userId)
    room.pendingCorrections.delete(userId)
    for (const buckets of Object.values(room.buckets)) buckets.delete(userId)
    if (room.round) room.round.participants = room.round.participants.filter((id) => id !== userId)
    reorderTeams(em)
    em.notice('all', `user.${reason}`, { name: member.name })

    const heir = longestPresent(room)
    if (wasMaster && heir) {
        em.emit({ type: 'updateMaster', master: heir.id as never })
        em.notice('all', 'role.master', { name: heir.name })
    }
    if (wasLead && heir) {
        em.emit({ type: 'updateLead', lead: heir.id as never })
        em.notice('all', 'role.lead', { name: heir.name })
    }
    maybeFinishRound(em)
}

/**
 * The runtime dropped a command of this member (transport rate limit): their optimistic copy may have
 * moved, so they are owed a fresh UpdateEvent, sent by `tick` within the correction rate limit.
 */
export function requestResync(room: EngineRoom, userId: string): void {
    if (room.members.has(userId)) room.pendingCorrections.add(userId)
}

/**
 * Periodic work the runtime may run (e.g. every second): sends the correcting UpdateEvents that the
 * rate limit held back earlier.
 */
export function tick(room: EngineRoom, ctx: EngineContext): EngineOutput {
    const em = new Emitter(room, ctx)
    for (const userId of [...room.pendingCorrections]) {
        if (!room.members.has(userId)) {
            room.pendingCorrections.delete(userId)
            continue
        }
        if (take(room.buckets.correction, userId, room.limits.correction, ctx.now)) {
            room.pendingCorrections.delete(userId)
            em.sendSnapshot(userId)
        }
    }
    return em.done()
}
