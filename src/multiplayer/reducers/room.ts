// Event reducers for the room as a whole: the full UpdateEvent, status, roles, title and room options.
import type { UserStatusEntry } from '@sonolus/core'
import { isValidOptionValues } from '../options.js'
import {
    checkLevelOptions,
    checkResults,
    checkRole,
    checkSections,
    checkSil,
    checkStatuses,
    checkSuggestions,
    checkUsers,
    copySection,
    findUser,
    isCompatible,
    type Reducers,
} from './checks.js'
import { autoExits, roomStatuses } from '../validate.js'

export const roomReducers: Reducers<
    'update' | 'updateStatus' | 'updateMaster' | 'updateLead' | 'updateTitle' | 'updateOptions' | 'updateOptionValues'
> = {
    update(view, event, ctx, fail) {
        const users = checkUsers(event.users, ctx, fail)
        const ids = users.ids
        if (!roomStatuses.includes(event.status)) fail('unknown room status')
        checkRole(event.master, ids, 'master', fail)
        checkRole(event.lead, ids, 'lead', fail)
        if (!Array.isArray(event.options) || event.options.length === 0) fail('options is empty')
        if (!isValidOptionValues(event.options, event.optionValues)) fail('optionValues is not valid for options')
        if (!Array.isArray(event.reportUserOptions)) fail('reportUserOptions is not an array')
        if (typeof event.title !== 'string') fail('title is not a string')
        if (event.level !== null) checkSil(event.level, fail)
        if (event.status !== 'selecting' && event.level === null) fail('status is not selecting but level is null')
        checkLevelOptions(event.levelOptions, fail)
        if (!autoExits.includes(event.autoExit)) fail('unknown auto exit')
        if (typeof event.isSuggestionsLocked !== 'boolean') fail('isSuggestionsLocked is not a boolean')
        checkSuggestions(event.suggestions, fail)
        if (event.scoreboardDescription !== undefined && typeof event.scoreboardDescription !== 'string') {
            fail('scoreboardDescription is not a string')
        }
        checkSections(event.scoreboardSections, ids, fail)
        checkResults(event.results, ids, fail)
        checkStatuses(event.userStatuses, ids, event.status, fail)

        view.allowOtherServers = event.allowOtherServers
        view.reportUserOptions = event.reportUserOptions
        view.title = event.title
        view.status = event.status
        view.master = event.master
        view.lead = event.lead
        view.options = event.options
        view.optionValues = event.optionValues
        view.level = event.level
        view.levelOptions = [...event.levelOptions]
        view.autoExit = event.autoExit
        view.isSuggestionsLocked = event.isSuggestionsLocked
        view.suggestions = [...event.suggestions]
        if (event.scoreboardDescription === undefined) delete view.scoreboardDescription
        else view.scoreboardDescription = event.scoreboardDescription
        view.scoreboardSections = event.scoreboardSections.map(copySection)
        view.results = [...event.results]
        view.users = [...event.users]
        view.userStatuses = [...event.userStatuses]
    },

    updateStatus(view, event, _ctx, fail) {
        const status = event.status
        if (!roomStatuses.includes(status)) fail('unknown room status')
        if (status !== 'selecting' && view.level === null) fail('status is not selecting but no level is selected')
        const next =
            status === 'playing'
                ? view.userStatuses.map((s): UserStatusEntry => (s.status === 'skipped' ? { userId: s.userId, status: 'waiting' } : s))
                : view.userStatuses
        for (const s of next) {
            if (!isCompatible(status, s.status)) fail(`user status ${s.status} is incompatible with room status ${status}`)
        }
        view.status = status
        if (status === 'playing') {
            view.results = []
            view.userStatuses = next
        }
    },

    updateMaster(view, event, _ctx, fail) {
        if (event.master !== null && (typeof event.master !== 'string' || findUser(view, event.master) < 0)) fail('master is not a user')
        view.master = event.master
    },

    updateLead(view, event, _ctx, fail) {
        if (event.lead !== null && (typeof event.lead !== 'string' || findUser(view, event.lead) < 0)) fail('lead is not a user')
        view.lead = event.lead
    },

    updateTitle(view, event, _ctx, fail) {
        if (typeof event.title !== 'string') fail('title is not a string')
        view.title = event.title
    },

    updateOptions(view, event, _ctx, fail) {
        if (!Array.isArray(event.options) || event.options.length === 0) fail('options is empty')
        if (!isValidOptionValues(event.options, event.optionValues)) fail('optionValues is not valid for options')
        view.options = event.options
        view.optionValues = event.optionValues
    },

    updateOptionValues(view, event, _ctx, fail) {
        if (!isValidOptionValues(view.options, event.optionValues)) fail('optionValues is not valid for options')
        view.optionValues = event.optionValues
    },
}
