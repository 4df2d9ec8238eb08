// A client's copy of the room, written from the round-multiplayer protocol's definitions of events,
// state and RoomUser alone (nothing of src/multiplayer): it applies every event as the spec says the app
// does, and throws where the spec says the app "will raise a fatal error" (and where a status is
// incompatible with the room's: ready/skipped while selecting, playing outside a round).

export type Sil = { address: string; name: string }
export type Status = 'selecting' | 'preparing' | 'playing'
export type UserStatus = 'waiting' | 'ready' | 'skipped' | 'playing'
type Score = { userId: string; value: string }
type Section = { title: string; icon?: string; scores: Score[] }
type Suggestion = { userId: string; level: Sil }
type RoomUser = { authentication: string; signature: string }
type Event = { type: string } & Record<string, any>

export class Fatal extends Error {
    override name = 'Fatal'
}

const sameSil = (a: Sil | null, b: Sil | null) => a === b || (!!a && !!b && a.address === b.address && a.name === b.name)
const sameSuggestion = (a: Suggestion, b: Suggestion) => a.userId === b.userId && sameSil(a.level, b.level)

export class RoomModel {
    /** uninitialized until an UpdateEvent; suspended during gameplay (as the app's client states are defined). */
    phase: 'uninitialized' | 'initialized' | 'suspended' = 'uninitialized'
    users: string[] = []
    statuses = new Map<string, UserStatus>()
    status: Status = 'selecting'
    master: string | null = null
    lead: string | null = null
    title = ''
    level: Sil | null = null
    levelOptions: { index: number; value: number }[] = []
    autoExit = 'off'
    optionValues = ''
    isSuggestionsLocked = false
    suggestions: Suggestion[] = []
    results = new Map<string, unknown>()
    sections: Section[] = []
    round: { state: string; seed: number } | null = null
    /** Events applied (not ignored). */
    applied = 0

    /**
     * @param self the signed-in user's id
     * @param identify checks a RoomUser as the app does and returns its user id; throws if invalid
     */
    constructor(
        readonly self: string,
        private readonly identify: (user: RoomUser) => string,
    ) {}

    startGameplay(): void {
        this.phase = 'suspended'
    }

    /** After FinishGameplayCommand the client awaits a fresh UpdateEvent. */
    finishGameplay(): void {
        this.phase = 'uninitialized'
    }

    receive(event: Event): void {
        if (this.phase === 'suspended') return
        if (this.phase === 'uninitialized' && event.type !== 'update') return
        const fatal = (why: string): never => {
            throw new Fatal(`${event.type}: ${why}`)
        }
        const has = (userId: string) => this.users.includes(userId)
        const section = (index: number) => this.sections[index] ?? fatal(`section ${index} does not exist`)
        const score = (s: Section, index: number) => s.scores[index] ?? fatal(`score ${index} does not exist`)
        const bound = (index: number, length: number) => {
            if (!(index >= 0 && index <= length)) fatal(`index ${index} out of bound (0..${length})`)
        }
        const move = <T>(list: T[], from: number, to: number) => {
            if (!(from >= 0 && from < list.length)) fatal(`index ${from} does not exist`)
            if (!(to >= 0 && to < list.length)) fatal(`index ${to} out of bound`)
            list.splice(to, 0, ...list.splice(from, 1))
        }
        const swap = <T>(list: T[], a: number, b: number) => {
            if (!(a >= 0 && a < list.length) || !(b >= 0 && b < list.length)) fatal(`index ${a} or ${b} does not exist`)
            ;[list[a], list[b]] = [list[b]!, list[a]!]
        }

        switch (event.type) {
            case 'update': {
                const users = (event.users as RoomUser[]).map((u) => this.identify(u))
                if (new Set(users).size !== users.length) fatal('users contains duplications')
                if (!users.includes(this.self)) fatal("users does not contain client's user")
                this.users = users
                if (event.master !== null && !has(event.master)) fatal(`master ${event.master} is not in users`)
                if (event.lead !== null && !has(event.lead)) fatal(`lead ${event.lead} is not in users`)
                if (event.options.length === 0) fatal('options is empty')
                if (event.status !== 'selecting' && event.level === null) fatal('status is not selecting but level is null')
                const indexes = (event.levelOptions as { index: number }[]).map((o) => o.index)
                if (new Set(indexes).size !== indexes.length) fatal('levelOptions contains duplications')
                const suggestions = event.suggestions as Suggestion[]
                if (suggestions.some((s, i) => suggestions.findIndex((t) => sameSuggestion(s, t)) !== i)) fatal('suggestions contains duplications')
                Object.assign(this, {
                    status: event.status,
                    master: event.master,
                    lead: event.lead,
                    title: event.title,
                    level: event.level,
                    levelOptions: event.levelOptions,
                    autoExit: event.autoExit,
                    optionValues: event.optionValues,
                    isSuggestionsLocked: event.isSuggestionsLocked,
                    suggestions,
                })
                this.setResults(event.results, fatal)
                this.setSections(event.scoreboardSections, fatal)
                this.setStatuses(event.userStatuses, fatal)
                this.round = null
                this.phase = 'initialized'
                break
            }
            case 'addUser': {
                const id = this.identify(event.user)
                if (has(id)) fatal(`user ${id} already exists`)
                this.users.push(id)
                this.statuses.set(id, 'waiting')
                break
            }
            case 'removeUser': {
                const id = this.identify(event.user)
                if (!has(id)) fatal(`user ${id} does not exist`)
                if (id === this.self) fatal('user is the client')
                this.users = this.users.filter((u) => u !== id)
                this.statuses.delete(id)
                if (this.master === id) this.master = null
                if (this.lead === id) this.lead = null
                this.results.delete(id)
                for (const s of this.sections) s.scores = s.scores.filter((sc) => sc.userId !== id)
                break
            }
            case 'updateUsers': {
                const users = (event.users as RoomUser[]).map((u) => this.identify(u))
                if (new Set(users).size !== users.length) fatal('users contains duplications')
                if (!users.includes(this.self)) fatal("users does not contain client's user")
                this.users = users
                for (const id of this.statuses.keys()) if (!has(id)) this.statuses.delete(id)
                break
            }
            case 'updateMaster':
            case 'updateLead': {
                const id = event.type === 'updateMaster' ? event.master : event.lead
                if (id !== null && !has(id)) fatal(`${id} is not in the room`)
                if (event.type === 'updateMaster') this.master = id
                else this.lead = id
                break
            }
            case 'updateStatus': {
                if (event.status !== 'selecting' && this.level === null) fatal('status is not selecting but no level is selected')
                this.status = event.status
                // The spec says "changing status to waiting": the room status called selecting.
                if (event.status === 'selecting') for (const id of this.statuses.keys()) this.statuses.set(id, 'waiting')
                if (event.status === 'playing') {
                    this.results.clear()
                    for (const [id, s] of this.statuses) if (s === 'skipped') this.statuses.set(id, 'waiting')
                }
                this.round = null
                break
            }
            case 'updateUserStatus': {
                const { userId, status } = event.userStatus
                if (!has(userId)) fatal(`user ${userId} does not exist`)
                this.checkCompatible(status, fatal)
                this.statuses.set(userId, status)
                break
            }
            case 'updateUserStatuses':
                this.setStatuses(event.userStatuses, fatal)
                break
            case 'startRound':
                if (this.round) fatal('round has already started')
                this.round = { state: event.state, seed: event.seed }
                break
            case 'addResult': {
                const { userId } = event.result
                if (!has(userId)) fatal(`user ${userId} does not exist`)
                if (this.results.has(userId)) fatal(`user ${userId} already has a result`)
                this.results.set(userId, event.result.result)
                break
            }
            case 'updateLevel':
            case 'updateLevelOption':
            case 'updateLevelOptions':
            case 'updateAutoExit':
                if (this.status !== 'selecting') fatal('room status is not selecting')
                if (event.type === 'updateLevel') {
                    this.level = event.level
                    this.levelOptions = []
                } else if (event.type === 'updateLevelOption') {
                    this.levelOptions = [...this.levelOptions.filter((o) => o.index !== event.levelOption.index), event.levelOption]
                } else if (event.type === 'updateLevelOptions') {
                    this.levelOptions = event.levelOptions
                } else {
                    this.autoExit = event.autoExit
                }
                break
            case 'addSuggestion':
                if (this.suggestions.some((s) => sameSuggestion(s, event.suggestion))) fatal('suggestion already exists')
                this.suggestions.push(event.suggestion)
                break
            case 'removeSuggestion': {
                const i = this.suggestions.findIndex((s) => sameSuggestion(s, event.suggestion))
                if (i < 0) fatal('suggestion does not exist')
                this.suggestions.splice(i, 1)
                break
            }
            case 'swapSuggestions': {
                const a = this.suggestions.findIndex((s) => sameSuggestion(s, event.suggestionA))
                const b = this.suggestions.findIndex((s) => sameSuggestion(s, event.suggestionB))
                if (a < 0 || b < 0) fatal('suggestion does not exist')
                swap(this.suggestions, a, b)
                break
            }
            case 'clearSuggestions':
                this.suggestions = []
                break
            case 'updateSuggestions':
                this.suggestions = event.suggestions
                break
            case 'updateIsSuggestionsLocked':
                this.isSuggestionsLocked = event.isSuggestionsLocked
                break
            case 'updateTitle':
                this.title = event.title
                break
            case 'updateOptions':
            case 'updateOptionValues':
                this.optionValues = event.optionValues
                break
            case 'addChatMessage':
            case 'updateScoreboardDescription':
                break
            // Scoreboard.
            case 'updateScoreboardSections':
                this.setSections(event.scoreboardSections, fatal)
                break
            case 'insertScoreboardSection':
                bound(event.index, this.sections.length)
                this.sections.splice(event.index, 0, structuredClone(event.scoreboardSection))
                this.checkScoreboard(fatal)
                break
            case 'updateScoreboardSection':
                section(event.index)
                this.sections[event.index] = structuredClone(event.scoreboardSection)
                this.checkScoreboard(fatal)
                break
            case 'removeScoreboardSection':
                section(event.index)
                this.sections.splice(event.index, 1)
                break
            case 'moveScoreboardSection':
                move(this.sections, event.fromIndex, event.toIndex)
                break
            case 'swapScoreboardSections':
                swap(this.sections, event.indexA, event.indexB)
                break
            case 'updateScoreboardSectionTitle':
                section(event.index).title = event.title
                break
            case 'updateScoreboardSectionIcon':
                section(event.index).icon = event.icon
                break
            case 'updateScoreboardSectionScores':
                section(event.index).scores = structuredClone(event.scores)
                this.checkScoreboard(fatal)
                break
            case 'updateScoreboardSectionScoresValue': {
                const s = section(event.index)
                if (event.values.length > s.scores.length) fatal('values is longer than scores of section')
                event.values.forEach((value: string, i: number) => (s.scores[i]!.value = value))
                break
            }
            case 'insertScoreboardSectionScore': {
                const s = section(event.sectionIndex)
                bound(event.index, s.scores.length)
                if (s.scores.some((sc) => sc.userId === event.score.userId)) fatal(`a score of ${event.score.userId} already exists`)
                s.scores.splice(event.index, 0, { ...event.score })
                this.checkScoreboard(fatal)
                break
            }
            case 'mergeScoreboardSectionScores': {
                const s = section(event.index)
                for (const sc of event.scores as Score[]) {
                    const i = s.scores.findIndex((old) => old.userId === sc.userId)
                    if (i < 0) fatal(`no score of ${sc.userId} to merge`)
                    s.scores[i] = { ...sc }
                }
                break
            }
            case 'removeScoreboardSectionScore': {
                const s = section(event.sectionIndex)
                score(s, event.index)
                s.scores.splice(event.index, 1)
                break
            }
            case 'moveScoreboardSectionScore':
                move(section(event.sectionIndex).scores, event.fromIndex, event.toIndex)
                break
            case 'swapScoreboardSectionScores':
                swap(section(event.sectionIndex).scores, event.indexA, event.indexB)
                break
            case 'arrangeScoreboardSectionScores': {
                const s = section(event.sectionIndex)
                const indexes = event.indexes as number[]
                if (new Set(indexes).size !== indexes.length) fatal('indexes contains duplications')
                s.scores = indexes.map((i) => score(s, i))
                break
            }
            default:
                fatal('not an event of the spec')
        }
        this.applied++
    }

    /** What two clients of one room must agree on once both are initialized. */
    summary() {
        return {
            users: [...this.users].sort(),
            statuses: Object.fromEntries([...this.statuses].sort(([a], [b]) => a.localeCompare(b))),
            status: this.status,
            master: this.master,
            lead: this.lead,
            title: this.title,
            level: this.level,
            levelOptions: [...this.levelOptions].sort((a, b) => a.index - b.index),
            autoExit: this.autoExit,
            optionValues: this.optionValues,
            isSuggestionsLocked: this.isSuggestionsLocked,
            suggestions: this.suggestions,
            results: Object.fromEntries([...this.results].sort(([a], [b]) => a.localeCompare(b))),
            sections: this.sections,
        }
    }

    private checkCompatible(status: UserStatus, fatal: (why: string) => never): void {
        if ((status === 'ready' || status === 'skipped') && this.status === 'selecting') fatal(`${status} while the room is selecting`)
        if (status === 'playing' && this.status !== 'playing') fatal(`playing while the room is ${this.status}`)
    }

    private setStatuses(entries: { userId: string; status: UserStatus }[], fatal: (why: string) => never): void {
        const statuses = new Map<string, UserStatus>()
        for (const { userId, status } of entries) {
            if (!this.users.includes(userId)) fatal(`status of ${userId}, who does not exist`)
            if (statuses.has(userId)) fatal(`userStatuses contains ${userId} twice`)
            this.checkCompatible(status, fatal)
            statuses.set(userId, status)
        }
        this.statuses = statuses
    }

    private setResults(entries: { userId: string; result: unknown }[], fatal: (why: string) => never): void {
        this.results = new Map()
        for (const { userId, result } of entries) {
            if (!this.users.includes(userId)) fatal(`result of ${userId}, who does not exist`)
            if (this.results.has(userId)) fatal(`results contain ${userId} twice`)
            this.results.set(userId, result)
        }
    }

    private setSections(sections: Section[], fatal: (why: string) => never): void {
        this.sections = structuredClone(sections)
        this.checkScoreboard(fatal)
    }

    /** Scoreboard sections: every user exists, none twice. */
    private checkScoreboard(fatal: (why: string) => never): void {
        const seen = new Set<string>()
        for (const s of this.sections) {
            for (const { userId } of s.scores) {
                if (!this.users.includes(userId)) fatal(`score of ${userId}, who does not exist`)
                if (seen.has(userId)) fatal(`${userId} appears twice on the scoreboard`)
                seen.add(userId)
            }
        }
    }
}
