// Event reducers for who is in the room and their statuses.
import type { ServiceUserId, UserStatusEntry } from '@sonolus/core'
import { sameRoomUser } from '../room-user.js'
import {
    checkResults,
    checkRole,
    checkRoomUser,
    checkSections,
    checkStatuses,
    checkUsers,
    findUser,
    isCompatible,
    type Reducers,
    userIds,
} from './checks.js'
import { userStatuses } from '../validate.js'

export const usersReducers: Reducers<'addUser' | 'removeUser' | 'updateUsers' | 'updateUserStatus' | 'updateUserStatuses'> = {
    addUser(view, event, ctx, fail) {
        const id = checkRoomUser(event.user, ctx, fail)
        if (findUser(view, id) >= 0) fail('user already exists')
        view.users.push(event.user)
        const entry: UserStatusEntry = { userId: id as ServiceUserId, status: 'waiting' }
        const existing = view.userStatuses.findIndex((s) => s.userId === id)
        if (existing >= 0) view.userStatuses[existing] = entry
        else view.userStatuses.push(entry)
    },

    removeUser(view, event, ctx, fail) {
        const id = checkRoomUser(event.user, {}, fail)
        const index = findUser(view, id)
        if (index < 0 || !sameRoomUser(view.users[index]!, event.user)) fail('user does not exist')
        if (ctx.selfId !== undefined && id === ctx.selfId) fail('user is the client')
        view.users.splice(index, 1)
        if (view.master === id) view.master = null
        if (view.lead === id) view.lead = null
        view.results = view.results.filter((r) => r.userId !== id)
        view.userStatuses = view.userStatuses.filter((s) => s.userId !== id)
        for (const section of view.scoreboardSections) {
            const at = section.scores.findIndex((s) => s.userId === id)
            if (at >= 0) section.scores.splice(at, 1)
        }
    },

    updateUsers(view, event, ctx, fail) {
        const { ids } = checkUsers(event.users, ctx, fail)
        checkRole(view.master, ids, 'master', fail)
        checkRole(view.lead, ids, 'lead', fail)
        checkResults(view.results, ids, fail)
        checkStatuses(view.userStatuses, ids, view.status, fail)
        checkSections(view.scoreboardSections, ids, fail)
        view.users = [...event.users]
    },

    updateUserStatus(view, event, _ctx, fail) {
        const entry = event.userStatus
        if (typeof entry !== 'object' || entry === null) fail('userStatus is not an object')
        if (typeof entry.userId !== 'string' || findUser(view, entry.userId) < 0) fail('user does not exist')
        if (!userStatuses.includes(entry.status)) fail('unknown user status')
        if (!isCompatible(view.status, entry.status)) fail(`status ${entry.status} is incompatible with room status ${view.status}`)
        const at = view.userStatuses.findIndex((s) => s.userId === entry.userId)
        if (at >= 0) view.userStatuses[at] = entry
        else view.userStatuses.push(entry)
    },

    updateUserStatuses(view, event, _ctx, fail) {
        checkStatuses(event.userStatuses, userIds(view), view.status, fail)
        view.userStatuses = [...event.userStatuses]
    },
}
