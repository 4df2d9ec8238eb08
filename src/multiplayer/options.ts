// Room options and report forms
// (https://wiki.sonolus.com/round-multiplayer-server-specs/state/options-and-option-values,
// https://wiki.sonolus.com/custom-server-specs/misc/server-form). `optionValues` is the query string a form submits:
// `type=<form type>&<query>=<value>...`, e.g. "type=casual&round=3".
//
// Ensemble's reading, used by the reducer (the client's validity check) and by the command handlers:
// - the string parses as URLSearchParams, no key appears twice, at most 8 KiB;
// - `type` names one of the forms; when absent the first form is meant;
// - every other key is the `query` of an option of that form; a missing key takes the option's `def`,
//   except for a `required` option, which must be present;
// - text / textArea: at most `limit` characters (no limit when `limit` is 0);
//   slider: a decimal number within [min, max] on the step grid from min;
//   toggle: '1' / '0' (also 'true' / 'false' on input; the server always writes '1' / '0');
//   select: one of the value names; multi: comma-separated distinct value names ('' for none);
//   serverItem / serverItems / collectionItem / file: any string up to 4 KiB (the server never uses them).
// The server only ever sends the canonical form (every option written out, in form order).
import type { ServerForm, ServerOption } from '@sonolus/core'

export type OptionValue = string | number | boolean | string[]
export type ParsedOptionValues = { type: string; form: ServerForm; values: Map<string, OptionValue> }

const MAX_OPTION_VALUES_LENGTH = 8192
const MAX_OPAQUE_VALUE_LENGTH = 4096

/** How a round is scored: the values of the room option 'scoring' (and of the create form's). */
export const scoringRules = ['arcade', 'accuracy', 'wins'] as const
export type ScoringRule = (typeof scoringRules)[number]
export const defaultScoring: ScoringRule = 'arcade'
/** Values of the room option 'teams': 'none' or a count. */
export const teamChoices: readonly string[] = ['none', '2', '3', '4']
const scoringTitles: Record<ScoringRule, string> = { arcade: '#ARCADE_SCORE', accuracy: '#ACCURACY_SCORE', wins: '#WINNER' }

export type RoomSettings = { scoring: ScoringRule; teams: number; suggestionsPerPlayer: number }

/** The room options the master edits in game. */
export function defaultRoomOptions(maxSuggestionsPerPlayer = 50): ServerForm[] {
    return [
        {
            type: 'room',
            title: '#ROOM',
            requireConfirmation: false,
            options: [
                {
                    query: 'scoring',
                    name: '#ROUND_SCORING',
                    required: false,
                    type: 'select',
                    def: defaultScoring,
                    values: scoringRules.map((rule) => ({ name: rule, title: scoringTitles[rule] })),
                },
                {
                    query: 'teams',
                    name: '#TEAM_COUNT',
                    required: false,
                    type: 'select',
                    def: teamChoices[0]!,
                    values: teamChoices.map((n) => ({ name: n, title: n === 'none' ? '#NONE' : n })),
                },
                {
                    query: 'suggestionsPerPlayer',
                    name: '#SUGGESTIONS_PER_PLAYER',
                    required: false,
                    type: 'slider',
                    def: Math.min(5, maxSuggestionsPerPlayer),
                    min: 1,
                    max: Math.max(1, maxSuggestionsPerPlayer),
                    step: 1,
                },
            ],
        },
    ]
}

/** The form a player fills in to report another player. */
export function defaultReportUserOptions(): ServerForm[] {
    return [
        {
            type: 'report',
            title: '#REPORT',
            requireConfirmation: true,
            options: [
                {
                    query: 'reason',
                    name: '#REASON',
                    required: false,
                    type: 'select',
                    def: 'cheating',
                    values: [
                        { name: 'cheating', title: '#CHEATING' },
                        { name: 'spamming', title: '#SPAMMING' },
                        { name: 'verbalAbuse', title: '#VERBAL_ABUSE' },
                        { name: 'inappropriateLanguage', title: '#INAPPROPRIATE_LANGUAGE' },
                        { name: 'others', title: '#OTHERS' },
                    ],
                },
                {
                    query: 'comment',
                    name: '#COMMENT',
                    required: false,
                    type: 'textArea',
                    def: '',
                    placeholder: '#COMMENT_PLACEHOLDER',
                    limit: 500,
                    shortcuts: [],
                },
            ],
        },
    ]
}

/** Parses option values against forms; null when they are not a valid value (see the header). */
export function parseOptionValues(forms: readonly ServerForm[], optionValues: unknown): ParsedOptionValues | null {
    if (typeof optionValues !== 'string' || optionValues.length > MAX_OPTION_VALUES_LENGTH) return null
    if (!Array.isArray(forms) || forms.length === 0) return null
    let params: URLSearchParams
    try {
        params = new URLSearchParams(optionValues)
    } catch {
        return null
    }
    const given = new Map<string, string>()
    for (const [key, value] of params) {
        if (given.has(key)) return null
        given.set(key, value)
    }
    const type = given.get('type')
    const form = type === undefined ? forms[0]! : forms.find((f) => f.type === type)
    if (!form) return null
    given.delete('type')

    const values = new Map<string, OptionValue>()
    for (const option of form.options) {
        if (option.query === 'type' || values.has(option.query)) continue
        const raw = given.get(option.query)
        given.delete(option.query)
        if (raw === undefined) {
            if (option.required) return null
            values.set(option.query, defaultOf(option))
            continue
        }
        const value = parseOption(option, raw)
        if (value === null) return null
        values.set(option.query, value)
    }
    if (given.size > 0) return null
    return { type: form.type, form, values }
}

export function isValidOptionValues(forms: readonly ServerForm[], optionValues: unknown): boolean {
    return parseOptionValues(forms, optionValues) !== null
}

/** The canonical string of valid option values, or null when invalid. */
export function canonicalOptionValues(forms: readonly ServerForm[], optionValues: unknown): string | null {
    const parsed = parseOptionValues(forms, optionValues)
    return parsed ? serializeOptionValues(parsed) : null
}

export function serializeOptionValues(parsed: ParsedOptionValues): string {
    const params = new URLSearchParams()
    params.set('type', parsed.type)
    for (const [query, value] of parsed.values) params.set(query, serializeValue(value))
    return params.toString()
}

/** The settings the engine reads from the room options; options it does not know fall back. */
export function roomSettings(parsed: ParsedOptionValues | null, maxSuggestionsPerPlayer: number): RoomSettings {
    const scoringValue = parsed?.values.get('scoring')
    const scoring = scoringRules.find((rule) => rule === scoringValue) ?? defaultScoring
    const teamsValue = parsed?.values.get('teams')
    const teamsNumber = typeof teamsValue === 'string' ? Number(teamsValue) : 0
    const teams = Number.isInteger(teamsNumber) && teamsNumber >= 2 && teamsNumber <= 8 ? teamsNumber : 0
    const perPlayer = parsed?.values.get('suggestionsPerPlayer')
    const suggestionsPerPlayer =
        typeof perPlayer === 'number' && perPlayer >= 1 ? Math.min(Math.floor(perPlayer), maxSuggestionsPerPlayer) : maxSuggestionsPerPlayer
    return { scoring, teams, suggestionsPerPlayer }
}

function defaultOf(option: ServerOption): OptionValue {
    switch (option.type) {
        case 'text':
        case 'textArea':
        case 'select':
        case 'file':
            return option.def
        case 'slider':
            return option.def
        case 'toggle':
            return option.def
        case 'multi':
            return option.values.filter((_, i) => option.def[i] === true).map((v) => v.name)
        default:
            return ''
    }
}

const decimal = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

function parseOption(option: ServerOption, raw: string): OptionValue | null {
    switch (option.type) {
        case 'text':
        case 'textArea':
            return option.limit > 0 && [...raw].length > option.limit ? null : raw
        case 'slider': {
            if (!decimal.test(raw)) return null
            const n = Number(raw)
            if (!Number.isFinite(n) || n < option.min || n > option.max) return null
            if (option.step > 0) {
                const k = (n - option.min) / option.step
                if (Math.abs(k - Math.round(k)) > 1e-6) return null
            }
            return n
        }
        case 'toggle':
            if (raw === '1' || raw === 'true') return true
            if (raw === '0' || raw === 'false') return false
            return null
        case 'select':
            return option.values.some((v) => v.name === raw) ? raw : null
        case 'multi': {
            if (raw === '') return []
            const names = raw.split(',')
            if (new Set(names).size !== names.length) return null
            for (const name of names) if (!option.values.some((v) => v.name === name)) return null
            return names
        }
        default:
            return raw.length > MAX_OPAQUE_VALUE_LENGTH ? null : raw
    }
}

function serializeValue(value: OptionValue): string {
    if (typeof value === 'boolean') return value ? '1' : '0'
    if (typeof value === 'number') return String(value)
    if (Array.isArray(value)) return value.join(',')
    return value
}
