// The event reducer: what a Sonolus client does upon receiving each event
// (specs/round-multiplayer/events/*.md), with every "raise a fatal error if" rule and the state
// invariants of specs/round-multiplayer/state/*.md. The server folds its own events with it, so the
// server's view is exactly the fold of what it sent.
//
// Every case checks everything first and mutates only after, so a throw leaves the view untouched.
// Objects taken from an event into the view are never mutated later (arrays and sections are copied),
// so an event already queued for sending cannot change under the sender.
//
// Readings taken where the spec is open (Ensemble's strict reading, BRIEF section 2):
// - user status vs room status: 'waiting' fits every room status, 'ready' / 'skipped' fit preparing and
//   playing, 'playing' fits playing only; selecting therefore means everybody waits.
// - UpdateStatusEvent's "changing status to waiting" names no room status and is not implemented; the
//   server resets statuses itself before going back to selecting, so either reading ends the same.
// - a user exists when an entry with the same user id is in `users`; RemoveUserEvent must carry the
//   exact entry (both fields equal).
// - RemoveUserEvent also drops the user's status entry (the server sends the statuses without the user
//   right before, so a client that keeps it and one that drops it agree).
// - scoreboard: a user appears at most once in the whole scoreboard (the state rule "contains duplicated
//   users", read across sections).
import type {
    Event,
    LevelOptionEntry,
    ResultEntry,
    RoomStatus,
    RoomUser,
    ScoreboardSection,
    ScoreEntry,
    ServiceUserId,
    Sil,
    Suggestion,
    UserStatus,
    UserStatusEntry,
} from '@sonolus/core'
import { FatalEventError } from './errors.js'
import { isValidOptionValues } from './options.js'
import { roomUserInfo, sameRoomUser } from './room-user.js'
import type { RoomView } from './state.js'
import { autoExits, roomStatuses, userStatuses } from './validate.js'

export type ApplyContext = {
    /** The client's own user id: enables the self checks of UpdateEvent, UpdateUsersEvent, RemoveUserEvent. */
    selfId?: string
    /** Checks a RoomUser as the app does (signature, address, room, age); returns an error or null. */
    verifyUser?: (user: RoomUser) => string | null
}


/** Whether a user status may be held while the room has a status (strict reading). */
export function isCompatible(room: RoomStatus, user: UserStatus): boolean {
    switch (user) {
        case 'waiting':
            return true
        case 'ready':
        case 'skipped':
            return room === 'preparing' || room === 'playing'
        case 'playing':
            return room === 'playing'
    }
}

export function sameSil(a: Sil, b: Sil): boolean {
    return a.address === b.address && a.name === b.name
}

/** Suggestions are equal when user id and level are equal (state/suggestions.md). */
export function sameSuggestion(a: Suggestion, b: Suggestion): boolean {
    return a.userId === b.userId && sameSil(a.level, b.level)
}

export function applyEvent(view: RoomView, event: Event, ctx: ApplyContext = {}): void {
    if (typeof event !== 'object' || event === null) throw new FatalEventError('event is not an object')
    const type = (event as { type?: unknown }).type
    const fail = (message: string): never => {
        throw new FatalEventError(message, String(type))
    }

    switch (event.type) {
        case 'update': {
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
            return
        }

        case 'addUser': {
            const id = checkRoomUser(event.user, ctx, fail)
            if (findUser(view, id) >= 0) fail('user already exists')
            view.users.push(event.user)
            const entry: UserStatusEntry = { userId: id as ServiceUserId, status: 'waiting' }
            const existing = view.userStatuses.findIndex((s) => s.userId === id)
            if (existing >= 0) view.userStatuses[existing] = entry
            else view.userStatuses.push(entry)
            return
        }

        case 'removeUser': {
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
            return
        }

        case 'updateUsers': {
            const { ids } = checkUsers(event.users, ctx, fail)
            checkRole(view.master, ids, 'master', fail)
            checkRole(view.lead, ids, 'lead', fail)
            checkResults(view.results, ids, fail)
            checkStatuses(view.userStatuses, ids, view.status, fail)
            checkSections(view.scoreboardSections, ids, fail)
            view.users = [...event.users]
            return
        }

        case 'updateUserStatus': {
            const entry = event.userStatus
            if (typeof entry !== 'object' || entry === null) fail('userStatus is not an object')
            if (typeof entry.userId !== 'string' || findUser(view, entry.userId) < 0) fail('user does not exist')
            if (!userStatuses.includes(entry.status)) fail('unknown user status')
            if (!isCompatible(view.status, entry.status)) fail(`status ${entry.status} is incompatible with room status ${view.status}`)
            const at = view.userStatuses.findIndex((s) => s.userId === entry.userId)
            if (at >= 0) view.userStatuses[at] = entry
            else view.userStatuses.push(entry)
            return
        }

        case 'updateUserStatuses': {
            checkStatuses(event.userStatuses, userIds(view), view.status, fail)
            view.userStatuses = [...event.userStatuses]
            return
        }

        case 'updateStatus': {
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
            return
        }

        case 'updateMaster':
            if (event.master !== null && (typeof event.master !== 'string' || findUser(view, event.master) < 0)) fail('master is not a user')
            view.master = event.master
            return

        case 'updateLead':
            if (event.lead !== null && (typeof event.lead !== 'string' || findUser(view, event.lead) < 0)) fail('lead is not a user')
            view.lead = event.lead
            return

        case 'updateTitle':
            if (typeof event.title !== 'string') fail('title is not a string')
            view.title = event.title
            return

        case 'updateOptions':
            if (!Array.isArray(event.options) || event.options.length === 0) fail('options is empty')
            if (!isValidOptionValues(event.options, event.optionValues)) fail('optionValues is not valid for options')
            view.options = event.options
            view.optionValues = event.optionValues
            return

        case 'updateOptionValues':
            if (!isValidOptionValues(view.options, event.optionValues)) fail('optionValues is not valid for options')
            view.optionValues = event.optionValues
            return

        case 'updateLevel':
            if (view.status !== 'selecting') fail('room status is not selecting')
            if (event.level !== null) checkSil(event.level, fail)
            view.level = event.level
            view.levelOptions = []
            return

        case 'updateLevelOption': {
            if (view.status !== 'selecting') fail('room status is not selecting')
            checkLevelOption(event.levelOption, fail)
            const at = view.levelOptions.findIndex((o) => o.index === event.levelOption.index)
            if (at >= 0) view.levelOptions[at] = event.levelOption
            else view.levelOptions.push(event.levelOption)
            return
        }

        case 'updateLevelOptions':
            if (view.status !== 'selecting') fail('room status is not selecting')
            checkLevelOptions(event.levelOptions, fail)
            view.levelOptions = [...event.levelOptions]
            return

        case 'updateAutoExit':
            if (view.status !== 'selecting') fail('room status is not selecting')
            if (!autoExits.includes(event.autoExit)) fail('unknown auto exit')
            view.autoExit = event.autoExit
            return

        case 'updateIsSuggestionsLocked':
            if (typeof event.isSuggestionsLocked !== 'boolean') fail('isSuggestionsLocked is not a boolean')
            view.isSuggestionsLocked = event.isSuggestionsLocked
            return

        case 'addSuggestion':
            checkSuggestion(event.suggestion, fail)
            if (view.suggestions.some((s) => sameSuggestion(s, event.suggestion))) fail('suggestion already exists')
            view.suggestions.push(event.suggestion)
            return

        case 'removeSuggestion': {
            checkSuggestion(event.suggestion, fail)
            const at = view.suggestions.findIndex((s) => sameSuggestion(s, event.suggestion))
            if (at < 0) fail('suggestion does not exist')
            view.suggestions.splice(at, 1)
            return
        }

        case 'swapSuggestions': {
            checkSuggestion(event.suggestionA, fail)
            checkSuggestion(event.suggestionB, fail)
            const a = view.suggestions.findIndex((s) => sameSuggestion(s, event.suggestionA))
            if (a < 0) fail('suggestionA does not exist')
            const b = view.suggestions.findIndex((s) => sameSuggestion(s, event.suggestionB))
            if (b < 0) fail('suggestionB does not exist')
            const sa = view.suggestions[a]!
            view.suggestions[a] = view.suggestions[b]!
            view.suggestions[b] = sa
            return
        }

        case 'updateSuggestions':
            checkSuggestions(event.suggestions, fail)
            view.suggestions = [...event.suggestions]
            return

        case 'clearSuggestions':
            view.suggestions = []
            return

        case 'addResult': {
            const entry = event.result
            if (typeof entry !== 'object' || entry === null || typeof entry.result !== 'object' || entry.result === null) {
                fail('result is not a result entry')
            }
            if (typeof entry.userId !== 'string' || findUser(view, entry.userId) < 0) fail('user of result does not exist')
            if (view.results.some((r) => r.userId === entry.userId)) fail('user of result already has a result')
            view.results.push(entry)
            return
        }

        case 'addChatMessage': {
            const message = event.message
            if (typeof message !== 'object' || message === null) fail('message is not an object')
            if (message.type !== 'text' && message.type !== 'quick') fail('unknown message type')
            if (typeof message.value !== 'string') fail('message value is not a string')
            if (event.nonce !== undefined && typeof event.nonce !== 'number') fail('nonce is not a number')
            return
        }

        case 'startRound':
            // Round tracking is the client's own (ClientModel); the room state does not change.
            if (typeof event.state !== 'string' || typeof event.seed !== 'number') fail('malformed round')
            return

        case 'updateScoreboardDescription':
            if (event.scoreboardDescription !== undefined && typeof event.scoreboardDescription !== 'string') {
                fail('scoreboardDescription is not a string')
            }
            if (event.scoreboardDescription === undefined) delete view.scoreboardDescription
            else view.scoreboardDescription = event.scoreboardDescription
            return

        case 'updateScoreboardSections':
            checkSections(event.scoreboardSections, userIds(view), fail)
            view.scoreboardSections = event.scoreboardSections.map(copySection)
            return

        case 'insertScoreboardSection': {
            const sections = view.scoreboardSections
            if (!isIndex(event.index, sections.length + 1)) fail('index is out of bound')
            checkSections([...sections, event.scoreboardSection], userIds(view), fail)
            sections.splice(event.index, 0, copySection(event.scoreboardSection))
            return
        }

        case 'updateScoreboardSection': {
            const sections = view.scoreboardSections
            if (!isIndex(event.index, sections.length)) fail('section does not exist')
            const candidate = sections.slice()
            candidate[event.index] = event.scoreboardSection
            checkSections(candidate, userIds(view), fail)
            sections[event.index] = copySection(event.scoreboardSection)
            return
        }

        case 'removeScoreboardSection':
            if (!isIndex(event.index, view.scoreboardSections.length)) fail('section does not exist')
            view.scoreboardSections.splice(event.index, 1)
            return

        case 'moveScoreboardSection': {
            const sections = view.scoreboardSections
            if (!isIndex(event.fromIndex, sections.length)) fail('section does not exist')
            if (!isIndex(event.toIndex, sections.length)) fail('toIndex is out of bound')
            const [moved] = sections.splice(event.fromIndex, 1)
            sections.splice(event.toIndex, 0, moved!)
            return
        }

        case 'swapScoreboardSections': {
            const sections = view.scoreboardSections
            if (!isIndex(event.indexA, sections.length)) fail('section A does not exist')
            if (!isIndex(event.indexB, sections.length)) fail('section B does not exist')
            const a = sections[event.indexA]!
            sections[event.indexA] = sections[event.indexB]!
            sections[event.indexB] = a
            return
        }

        case 'updateScoreboardSectionTitle': {
            const section = sectionAt(view, event.index, fail)
            if (typeof event.title !== 'string') fail('title is not a string')
            section.title = event.title
            return
        }

        case 'updateScoreboardSectionIcon': {
            const section = sectionAt(view, event.index, fail)
            if (event.icon !== undefined && typeof event.icon !== 'string') fail('icon is not a string')
            if (event.icon === undefined) delete section.icon
            else section.icon = event.icon
            return
        }

        case 'updateScoreboardSectionScores': {
            sectionAt(view, event.index, fail)
            const candidate = view.scoreboardSections.slice()
            candidate[event.index] = { ...candidate[event.index]!, scores: event.scores }
            checkSections(candidate, userIds(view), fail)
            view.scoreboardSections[event.index]!.scores = [...event.scores]
            return
        }

        case 'updateScoreboardSectionScoresValue': {
            const section = sectionAt(view, event.index, fail)
            if (!Array.isArray(event.values)) fail('values is not an array')
            if (event.values.length > section.scores.length) fail('values is longer than scores of section')
            for (const value of event.values) if (typeof value !== 'string') fail('value is not a string')
            event.values.forEach((value, i) => {
                section.scores[i] = { userId: section.scores[i]!.userId, value }
            })
            return
        }

        case 'mergeScoreboardSectionScores': {
            const section = sectionAt(view, event.index, fail)
            if (!Array.isArray(event.scores)) fail('scores is not an array')
            const positions: number[] = []
            for (const score of event.scores) {
                checkScore(score, fail)
                const at = section.scores.findIndex((s) => s.userId === score.userId)
                if (at < 0) fail('a score has no corresponding score of the same user')
                positions.push(at)
            }
            event.scores.forEach((score, i) => {
                section.scores[positions[i]!] = score
            })
            return
        }

        case 'insertScoreboardSectionScore': {
            const section = sectionAt(view, event.sectionIndex, fail)
            if (!isIndex(event.index, section.scores.length + 1)) fail('index is out of bound')
            checkScore(event.score, fail)
            if (findUser(view, event.score.userId) < 0) fail('user of score does not exist')
            for (const s of view.scoreboardSections) {
                if (s.scores.some((e) => e.userId === event.score.userId)) fail('a score with user of score already exists')
            }
            section.scores.splice(event.index, 0, event.score)
            return
        }

        case 'removeScoreboardSectionScore': {
            const section = sectionAt(view, event.sectionIndex, fail)
            if (!isIndex(event.index, section.scores.length)) fail('score does not exist')
            section.scores.splice(event.index, 1)
            return
        }

        case 'moveScoreboardSectionScore': {
            const section = sectionAt(view, event.sectionIndex, fail)
            if (!isIndex(event.fromIndex, section.scores.length)) fail('score does not exist')
            if (!isIndex(event.toIndex, section.scores.length)) fail('toIndex is out of bound')
            const [moved] = section.scores.splice(event.fromIndex, 1)
            section.scores.splice(event.toIndex, 0, moved!)
            return
        }

        case 'swapScoreboardSectionScores': {
            const section = sectionAt(view, event.sectionIndex, fail)
            if (!isIndex(event.indexA, section.scores.length)) fail('score A does not exist')
            if (!isIndex(event.indexB, section.scores.length)) fail('score B does not exist')
            const a = section.scores[event.indexA]!
            section.scores[event.indexA] = section.scores[event.indexB]!
            section.scores[event.indexB] = a
            return
        }

        case 'arrangeScoreboardSectionScores': {
            const section = sectionAt(view, event.sectionIndex, fail)
            if (!Array.isArray(event.indexes)) fail('indexes is not an array')
            const seen = new Set<number>()
            for (const index of event.indexes) {
                if (seen.has(index)) fail('indexes contains duplications')
                seen.add(index)
                if (!isIndex(index, section.scores.length)) fail('score does not exist')
            }
            const old = section.scores
            section.scores = event.indexes.map((i) => old[i]!)
            return
        }

        default:
            fail(`unknown event type`)
    }
}

// ---- checks (throw through `fail`) ----

type Fail = (message: string) => never

function isIndex(value: unknown, length: number): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < length
}

function findUser(view: RoomView, id: string): number {
    const users = view.users
    for (let i = 0; i < users.length; i++) {
        if (roomUserInfo(users[i]!)?.id === id) return i
    }
    return -1
}

function userIds(view: RoomView): Set<string> {
    const ids = new Set<string>()
    for (const user of view.users) {
        const info = roomUserInfo(user)
        if (info) ids.add(info.id)
    }
    return ids
}

function checkRoomUser(user: unknown, ctx: ApplyContext, fail: Fail): string {
    if (typeof user !== 'object' || user === null) fail('user is not a RoomUser')
    const info = roomUserInfo(user as RoomUser)
    if (!info) fail('user authentication is not a valid join body')
    if (ctx.verifyUser) {
        const error = ctx.verifyUser(user as RoomUser)
        if (error !== null) fail(`user does not verify: ${error}`)
    }
    return info!.id
}

function checkUsers(users: unknown, ctx: ApplyContext, fail: Fail): { ids: Set<string> } {
    if (!Array.isArray(users)) fail('users is not an array')
    const ids = new Set<string>()
    for (const user of users as unknown[]) {
        const id = checkRoomUser(user, ctx, fail)
        if (ids.has(id)) fail('users contains duplications')
        ids.add(id)
    }
    if (ctx.selfId !== undefined && !ids.has(ctx.selfId)) fail("users does not contain client's user")
    return { ids }
}

function checkRole(role: unknown, ids: Set<string>, name: string, fail: Fail): void {
    if (role === null) return
    if (typeof role !== 'string' || !ids.has(role)) fail(`${name} is not null but does not exist in users`)
}

function checkStatuses(entries: unknown, ids: Set<string>, status: RoomStatus, fail: Fail): void {
    if (!Array.isArray(entries)) fail('userStatuses is not an array')
    const seen = new Set<string>()
    for (const entry of entries as UserStatusEntry[]) {
        if (typeof entry !== 'object' || entry === null) fail('user status is not an object')
        if (!ids.has(entry.userId)) fail('user of user status does not exist')
        if (seen.has(entry.userId)) fail('userStatuses contains duplicated users')
        seen.add(entry.userId)
        if (!userStatuses.includes(entry.status)) fail('unknown user status')
        if (!isCompatible(status, entry.status)) fail(`user status ${entry.status} is incompatible with room status ${status}`)
    }
}

function checkResults(entries: unknown, ids: Set<string>, fail: Fail): void {
    if (!Array.isArray(entries)) fail('results is not an array')
    const seen = new Set<string>()
    for (const entry of entries as ResultEntry[]) {
        if (typeof entry !== 'object' || entry === null) fail('result is not an object')
        if (!ids.has(entry.userId)) fail('user of result does not exist')
        if (seen.has(entry.userId)) fail('results contains duplicated users')
        seen.add(entry.userId)
    }
}

function checkScore(score: unknown, fail: Fail): asserts score is ScoreEntry {
    if (typeof score !== 'object' || score === null) fail('score is not an object')
    const s = score as ScoreEntry
    if (typeof s.userId !== 'string' || typeof s.value !== 'string') fail('score is malformed')
}

function checkSections(sections: unknown, ids: Set<string>, fail: Fail): void {
    if (!Array.isArray(sections)) fail('scoreboardSections is not an array')
    const seen = new Set<string>()
    for (const section of sections as ScoreboardSection[]) {
        if (typeof section !== 'object' || section === null || !Array.isArray(section.scores)) fail('section is malformed')
        if (typeof section.title !== 'string') fail('section title is not a string')
        for (const score of section.scores) {
            checkScore(score, fail)
            if (!ids.has(score.userId)) fail('user of score does not exist')
            if (seen.has(score.userId)) fail('scoreboard contains duplicated users')
            seen.add(score.userId)
        }
    }
}

function checkSil(sil: unknown, fail: Fail): void {
    if (typeof sil !== 'object' || sil === null) fail('level is not a Sil')
    const s = sil as Sil
    if (typeof s.address !== 'string' || typeof s.name !== 'string') fail('level is not a Sil')
}

function checkSuggestion(suggestion: unknown, fail: Fail): void {
    if (typeof suggestion !== 'object' || suggestion === null) fail('suggestion is not an object')
    const s = suggestion as Suggestion
    if (typeof s.userId !== 'string') fail('suggestion user is not a string')
    checkSil(s.level, fail)
}

function checkSuggestions(suggestions: unknown, fail: Fail): void {
    if (!Array.isArray(suggestions)) fail('suggestions is not an array')
    const seen = new Set<string>()
    for (const suggestion of suggestions as Suggestion[]) {
        checkSuggestion(suggestion, fail)
        const key = JSON.stringify([suggestion.userId, suggestion.level.address, suggestion.level.name])
        if (seen.has(key)) fail('suggestions contains duplications')
        seen.add(key)
    }
}

function checkLevelOption(option: unknown, fail: Fail): void {
    if (typeof option !== 'object' || option === null) fail('level option is not an object')
    const o = option as LevelOptionEntry
    if (typeof o.index !== 'number' || !Number.isInteger(o.index) || o.index < 0) fail('level option index is invalid')
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) fail('level option value is invalid')
}

function checkLevelOptions(options: unknown, fail: Fail): void {
    if (!Array.isArray(options)) fail('levelOptions is not an array')
    const seen = new Set<number>()
    for (const option of options as LevelOptionEntry[]) {
        checkLevelOption(option, fail)
        if (seen.has(option.index)) fail('levelOptions contains duplications')
        seen.add(option.index)
    }
}

function sectionAt(view: RoomView, index: unknown, fail: Fail): ScoreboardSection {
    if (!isIndex(index, view.scoreboardSections.length)) fail('section does not exist')
    return view.scoreboardSections[index as number]!
}

function copySection(section: ScoreboardSection): ScoreboardSection {
    return { ...section, scores: [...section.scores] }
}
