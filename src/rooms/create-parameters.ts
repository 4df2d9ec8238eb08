// The settings a creator chooses in the `creates` form of GET /sonolus/rooms/info. The app sends them as
// query parameters of the join that carries Sonolus-Room-Key
// (https://wiki.sonolus.com/custom-server-specs/endpoints/post-sonolus-rooms-create).
// One table of names and limits serves the form (sonolus/rooms/forms.ts) and the parser below. Scoring and
// teams use the value names of the in-game room options (multiplayer/options.ts), so the creator's choice
// becomes the room's initial optionValues.
import type { Config } from '../config.js'
import { defaultScoring, scoringRules, teamChoices, type ScoringRule } from '../multiplayer/index.js'

export type CreateParameters = {
    title: string
    /** null: public room. */
    password: string | null
    maxPlayers: number
    scoring: ScoringRule
    /** 0: no teams. */
    teams: number
    allowOtherServers: boolean
}

export const createQuery = {
    title: 'title',
    password: 'password',
    maxPlayers: 'maxPlayers',
    scoring: 'scoring',
    teams: 'teams',
    allowOtherServers: 'allowOtherServers',
} as const

export const titleMaxLength = 50
export const passwordMaxLength = 64

/**
 * What an absent parameter means, for the form's `def` and the parser alike. Scoring and teams default
 * as the in-game room options do; Ensemble hosts no levels, so players pick them from other servers
 * unless the creator says otherwise.
 */
export const createDefaults = {
    scoring: defaultScoring,
    teams: teamChoices[0]!,
    allowOtherServers: true,
} as const

export type CreateParametersResult = { ok: true; value: CreateParameters } | { ok: false; parameter: string }

const truthy = new Set(['1', 'true'])
const falsy = new Set(['0', 'false'])

/**
 * Reads create parameters from a query object; absent ones take their defaults. Refuses (naming the
 * parameter) a value outside its form's range rather than guessing.
 */
export function parseCreateParameters(
    query: Record<string, unknown>,
    limits: Pick<Config, 'maxPlayersLimit' | 'defaultMaxPlayers'>,
    defaultTitle: string,
): CreateParametersResult {
    const text = (name: string): string | undefined => {
        const v = query[name]
        return typeof v === 'string' ? v : undefined
    }
    const fail = (parameter: string) => ({ ok: false as const, parameter })

    const title = (text(createQuery.title) ?? '').trim()
    if ([...title].length > titleMaxLength) return fail(createQuery.title)

    const password = text(createQuery.password) ?? ''
    if ([...password].length > passwordMaxLength) return fail(createQuery.password)

    let maxPlayers = limits.defaultMaxPlayers
    const maxText = text(createQuery.maxPlayers)
    if (maxText !== undefined && maxText !== '') {
        if (!/^\d+$/.test(maxText)) return fail(createQuery.maxPlayers)
        maxPlayers = Number(maxText)
        if (maxPlayers < 2 || maxPlayers > limits.maxPlayersLimit) return fail(createQuery.maxPlayers)
    }

    let scoring: ScoringRule = createDefaults.scoring
    const scoringText = text(createQuery.scoring)
    if (scoringText !== undefined && scoringText !== '') {
        if (!scoringRules.includes(scoringText as ScoringRule)) return fail(createQuery.scoring)
        scoring = scoringText as ScoringRule
    }

    let teams = teamCount(createDefaults.teams)
    const teamsText = text(createQuery.teams)
    if (teamsText !== undefined && teamsText !== '') {
        if (!teamChoices.includes(teamsText)) return fail(createQuery.teams)
        teams = teamCount(teamsText)
    }

    let allowOtherServers: boolean = createDefaults.allowOtherServers
    const allowText = text(createQuery.allowOtherServers)
    if (allowText !== undefined && allowText !== '') {
        if (truthy.has(allowText)) allowOtherServers = true
        else if (falsy.has(allowText)) allowOtherServers = false
        else return fail(createQuery.allowOtherServers)
    }

    return {
        ok: true,
        value: { title: title || defaultTitle, password: password === '' ? null : password, maxPlayers, scoring, teams, allowOtherServers },
    }
}

/** A teams choice as a count (0: no teams). */
const teamCount = (choice: string): number => (choice === 'none' ? 0 : Number(choice))

/** The in-game option values (multiplayer/options.ts, form type 'room') for these parameters. */
export function initialOptionValues(p: Pick<CreateParameters, 'scoring' | 'teams'>): string {
    return new URLSearchParams({ type: 'room', scoring: p.scoring, teams: p.teams ? String(p.teams) : 'none' }).toString()
}
