// What the event reducers share: the context, the `fail` they throw through, and the checks that call it.
// Each check only reads; a reducer mutates the view after all of its checks passed.
import type {
    Event,
    LevelOptionEntry,
    ResultEntry,
    RoomStatus,
    RoomUser,
    ScoreboardSection,
    ScoreEntry,
    Sil,
    Suggestion,
    UserStatus,
    UserStatusEntry,
} from '@sonolus/core'
import { roomUserInfo } from '../room-user.js'
import type { RoomView } from '../state.js'
import { userStatuses } from '../validate.js'

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

/**
 * Suggestions are equal when user id and level are equal
 * (https://wiki.sonolus.com/round-multiplayer-server-specs/state/suggestions).
 */
export function sameSuggestion(a: Suggestion, b: Suggestion): boolean {
    return a.userId === b.userId && sameSil(a.level, b.level)
}

/** One event type's reducer: checks the event against the view (throwing through `fail`), then applies it. */
export type Reduce<K extends Event['type']> = (view: RoomView, event: Extract<Event, { type: K }>, ctx: ApplyContext, fail: Fail) => void

/** Reducers for a set of event types, one each. */
export type Reducers<K extends Event['type']> = { [T in K]: Reduce<T> }

export type Fail = (message: string) => never

export function isIndex(value: unknown, length: number): value is number {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < length
}

export function findUser(view: RoomView, id: string): number {
    const users = view.users
    for (let i = 0; i < users.length; i++) {
        if (roomUserInfo(users[i]!)?.id === id) return i
    }
    return -1
}

export function userIds(view: RoomView): Set<string> {
    const ids = new Set<string>()
    for (const user of view.users) {
        const info = roomUserInfo(user)
        if (info) ids.add(info.id)
    }
    return ids
}

export function checkRoomUser(user: unknown, ctx: ApplyContext, fail: Fail): string {
    if (typeof user !== 'object' || user === null) fail('user is not a RoomUser')
    const info = roomUserInfo(user as RoomUser)
    if (!info) fail('user authentication is not a valid join body')
    if (ctx.verifyUser) {
        const error = ctx.verifyUser(user as RoomUser)
        if (error !== null) fail(`user does not verify: ${error}`)
    }
    return info!.id
}

export function checkUsers(users: unknown, ctx: ApplyContext, fail: Fail): { ids: Set<string> } {
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

export function checkRole(role: unknown, ids: Set<string>, name: string, fail: Fail): void {
    if (role === null) return
    if (typeof role !== 'string' || !ids.has(role)) fail(`${name} is not null but does not exist in users`)
}

export function checkStatuses(entries: unknown, ids: Set<string>, status: RoomStatus, fail: Fail): void {
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

export function checkResults(entries: unknown, ids: Set<string>, fail: Fail): void {
    if (!Array.isArray(entries)) fail('results is not an array')
    const seen = new Set<string>()
    for (const entry of entries as ResultEntry[]) {
        if (typeof entry !== 'object' || entry === null) fail('result is not an object')
        if (!ids.has(entry.userId)) fail('user of result does not exist')
        if (seen.has(entry.userId)) fail('results contains duplicated users')
        seen.add(entry.userId)
    }
}

export function checkScore(score: unknown, fail: Fail): asserts score is ScoreEntry {
    if (typeof score !== 'object' || score === null) fail('score is not an object')
    const s = score as ScoreEntry
    if (typeof s.userId !== 'string' || typeof s.value !== 'string') fail('score is malformed')
}

export function checkSections(sections: unknown, ids: Set<string>, fail: Fail): void {
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

export function checkSil(sil: unknown, fail: Fail): void {
    if (typeof sil !== 'object' || sil === null) fail('level is not a Sil')
    const s = sil as Sil
    if (typeof s.address !== 'string' || typeof s.name !== 'string') fail('level is not a Sil')
}

export function checkSuggestion(suggestion: unknown, fail: Fail): void {
    if (typeof suggestion !== 'object' || suggestion === null) fail('suggestion is not an object')
    const s = suggestion as Suggestion
    if (typeof s.userId !== 'string') fail('suggestion user is not a string')
    checkSil(s.level, fail)
}

export function checkSuggestions(suggestions: unknown, fail: Fail): void {
    if (!Array.isArray(suggestions)) fail('suggestions is not an array')
    const seen = new Set<string>()
    for (const suggestion of suggestions as Suggestion[]) {
        checkSuggestion(suggestion, fail)
        const key = JSON.stringify([suggestion.userId, suggestion.level.address, suggestion.level.name])
        if (seen.has(key)) fail('suggestions contains duplications')
        seen.add(key)
    }
}

export function checkLevelOption(option: unknown, fail: Fail): void {
    if (typeof option !== 'object' || option === null) fail('level option is not an object')
    const o = option as LevelOptionEntry
    if (typeof o.index !== 'number' || !Number.isInteger(o.index) || o.index < 0) fail('level option index is invalid')
    if (typeof o.value !== 'number' || !Number.isFinite(o.value)) fail('level option value is invalid')
}

export function checkLevelOptions(options: unknown, fail: Fail): void {
    if (!Array.isArray(options)) fail('levelOptions is not an array')
    const seen = new Set<number>()
    for (const option of options as LevelOptionEntry[]) {
        checkLevelOption(option, fail)
        if (seen.has(option.index)) fail('levelOptions contains duplications')
        seen.add(option.index)
    }
}

export function sectionAt(view: RoomView, index: unknown, fail: Fail): ScoreboardSection {
    if (!isIndex(index, view.scoreboardSections.length)) fail('section does not exist')
    return view.scoreboardSections[index as number]!
}

export function copySection(section: ScoreboardSection): ScoreboardSection {
    return { ...section, scores: [...section.scores] }
}
