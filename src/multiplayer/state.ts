// The engine's room: the client-visible view (exactly what an UpdateEvent carries) plus the server's
// private bookkeeping. Everything here is plain data; time and randomness never live in it implicitly.
import type { ServerForm, StartRoundEvent, UpdateEvent } from '@sonolus/core'
import { canonicalOptionValues, parseOptionValues, roomSettings, type RoomSettings } from './options.js'
import type { Bucket, Rate } from './rate-limit.js'
import { initialSections } from './scoreboard.js'

/** The client-visible room state: an UpdateEvent without `type` (https://wiki.sonolus.com/round-multiplayer-server-specs/events/update-event). */
export type RoomView = Omit<UpdateEvent, 'type'>

export type EngineLimits = {
    /** Longest chat text, in characters (code points). */
    chatMaxLength: number
    /** Chat messages (and chat commands) a player may send per window. */
    chat: Rate
    /** Suggestions in the room at most. */
    suggestionsMax: number
    /** Longest room title set with /title. */
    titleMaxLength: number
    /** Correcting UpdateEvents sent to one player for refused commands. */
    correction: Rate
    /** UpdateEvents sent on finishGameplay (always one per honest round; a cap against loops). */
    resync: Rate
    /** Reports one player may file. */
    report: Rate
}

export const defaultLimits: EngineLimits = {
    chatMaxLength: 200,
    chat: { burst: 5, windowMs: 5000 },
    suggestionsMax: 50,
    titleMaxLength: 100,
    correction: { burst: 3, windowMs: 10_000 },
    resync: { burst: 5, windowMs: 10_000 },
    report: { burst: 3, windowMs: 60_000 },
}

export type RoomInit = {
    name: string
    title: string
    /** The room's options forms (non-empty) and their values ('' = defaults of the first form). */
    options: ServerForm[]
    optionValues: string
    reportUserOptions: ServerForm[]
    allowOtherServers: boolean
    maxPlayers: number
    /** Becomes master and lead on their first join. */
    creatorId: string
    /** This server's address (informational; Sil checks use EngineContext.address). */
    address?: string
    limits?: Partial<EngineLimits>
}

/** What the engine knows of a member beyond their RoomUser. */
export type Member = {
    id: string
    handle: string
    name: string
    locale: string
    /** Increases with every join: the smallest present value is the longest-present member. */
    joinSeq: number
    /** Team index (0-based) when the room plays in teams. */
    team: number
}

/** Running totals of one player since the last scoreboard reset. */
export type PlayerStats = { arcade: number; accuracy: number; wins: number }

export type Round = {
    number: number
    /** The round token clients echo in start/finish gameplay (StartRoundEvent.state). */
    state: string
    /** The one StartRoundEvent every readied client receives (late rejoiners get the same object). */
    event: StartRoundEvent
    participants: string[]
}

export type EngineRoom = {
    name: string
    creatorId: string
    creatorJoined: boolean
    maxPlayers: number
    limits: EngineLimits
    view: RoomView
    members: Map<string, Member>
    joinCounter: number
    roundCounter: number
    /** The round being played; null unless the view's status is 'playing'. */
    round: Round | null
    settings: RoomSettings
    stats: Map<string, PlayerStats>
    /** Team index shown at each scoreboard section position (teams mode), [] otherwise. */
    sectionTeams: number[]
    buckets: { chat: Map<string, Bucket>; correction: Map<string, Bucket>; resync: Map<string, Bucket>; report: Map<string, Bucket> }
    /** Players owed a correcting UpdateEvent that the rate limit held back (flushed by `tick`). */
    pendingCorrections: Set<string>
}

/** A room state with nothing in it (what a client holds before its first UpdateEvent fills it). */
export function blankView(): RoomView {
    return {
        allowOtherServers: false,
        reportUserOptions: [],
        title: '',
        status: 'selecting',
        master: null,
        lead: null,
        options: [],
        optionValues: '',
        level: null,
        levelOptions: [],
        autoExit: 'off',
        isSuggestionsLocked: false,
        suggestions: [],
        scoreboardSections: [],
        results: [],
        users: [],
        userStatuses: [],
    }
}

export function createRoom(init: RoomInit): EngineRoom {
    if (!Array.isArray(init.options) || init.options.length === 0) throw new RangeError('room options must not be empty')
    const limits: EngineLimits = { ...defaultLimits, ...init.limits }
    const optionValues = canonicalOptionValues(init.options, init.optionValues)
    if (optionValues === null) throw new RangeError(`invalid option values: ${init.optionValues}`)
    const settings = roomSettings(parseOptionValues(init.options, optionValues), limits.suggestionsMax)
    const room: EngineRoom = {
        name: init.name,
        creatorId: init.creatorId,
        creatorJoined: false,
        maxPlayers: init.maxPlayers,
        limits,
        view: {
            ...blankView(),
            allowOtherServers: init.allowOtherServers,
            reportUserOptions: init.reportUserOptions,
            title: init.title,
            options: init.options,
            optionValues,
        },
        members: new Map(),
        joinCounter: 0,
        roundCounter: 0,
        round: null,
        settings,
        stats: new Map(),
        sectionTeams: [],
        buckets: { chat: new Map(), correction: new Map(), resync: new Map(), report: new Map() },
        pendingCorrections: new Set(),
    }
    const { sections, sectionTeams } = initialSections(room)
    room.view.scoreboardSections = sections
    room.sectionTeams = sectionTeams
    return room
}

/**
 * A full UpdateEvent of the current state that later changes to the room cannot reach. The reducers
 * change the view's arrays and its scoreboard sections in place and replace every other object
 * (users, statuses, scores, suggestions, results, level, options), so those containers are copied and
 * the rest shared. A deep copy cost a joiner's snapshot about as much as serializing it.
 */
export function snapshot(room: EngineRoom): UpdateEvent {
    const view = room.view
    const event: UpdateEvent = {
        type: 'update',
        ...view,
        levelOptions: [...view.levelOptions],
        suggestions: [...view.suggestions],
        scoreboardSections: view.scoreboardSections.map((section) => ({ ...section, scores: [...section.scores] })),
        results: [...view.results],
        users: [...view.users],
        userStatuses: [...view.userStatuses],
    }
    if (event.scoreboardDescription === undefined) delete event.scoreboardDescription
    return event
}

/** The member who has been in the room longest, if any. */
export function longestPresent(room: EngineRoom, exclude?: string): Member | undefined {
    let best: Member | undefined
    for (const member of room.members.values()) {
        if (member.id === exclude) continue
        if (!best || member.joinSeq < best.joinSeq) best = member
    }
    return best
}
