// The rooms forms: `creates` (what a creator chooses; read back by rooms/join.ts through
// rooms/create-parameters.ts) and `searches` (advanced search, and the private-room search that unlocks
// a private room for the player who types its password). https://wiki.sonolus.com/custom-server-specs/misc/server-form.
import type { ServerForm } from '@sonolus/core'
import type { Config } from '../../config.js'
import type { MessageKey, Translate } from '../../i18n.js'
import { roomStatuses, scoringRules, teamChoices, type ScoringRule } from '../../multiplayer/index.js'
import { createDefaults, createQuery, passwordMaxLength, titleMaxLength } from '../../rooms/create-parameters.js'

const scoringText: Record<ScoringRule, MessageKey> = {
    arcade: 'scoringArcadeScore',
    accuracy: 'scoringAccuracyScore',
    wins: 'scoringWins',
}

export function createForm(tr: Translate, config: Pick<Config, 'maxPlayersLimit' | 'defaultMaxPlayers'>): ServerForm {
    return {
        type: 'room',
        title: tr('createForm'),
        icon: 'plus',
        requireConfirmation: false,
        options: [
            {
                query: createQuery.title,
                name: tr('optionTitle'),
                required: false,
                type: 'text',
                def: '',
                placeholder: tr('optionTitlePlaceholder'),
                limit: titleMaxLength,
                shortcuts: [],
            },
            {
                query: createQuery.password,
                name: tr('optionPassword'),
                description: tr('optionPasswordDescription'),
                required: false,
                type: 'text',
                def: '',
                placeholder: tr('optionPasswordPlaceholder'),
                limit: passwordMaxLength,
                shortcuts: [],
            },
            {
                query: createQuery.maxPlayers,
                name: tr('optionMaxPlayers'),
                required: false,
                type: 'slider',
                def: config.defaultMaxPlayers,
                min: 2,
                max: config.maxPlayersLimit,
                step: 1,
            },
            {
                query: createQuery.scoring,
                name: tr('optionScoring'),
                required: false,
                type: 'select',
                def: createDefaults.scoring,
                values: scoringRules.map((rule) => ({ name: rule, title: tr(scoringText[rule]) })),
            },
            {
                query: createQuery.teams,
                name: tr('optionTeams'),
                required: false,
                type: 'select',
                def: createDefaults.teams,
                values: teamChoices.map((n) => ({ name: n, title: n === 'none' ? tr('teamsNone') : tr('teamsCount', { count: n }) })),
            },
            {
                query: createQuery.allowOtherServers,
                name: tr('optionAllowOtherServers'),
                required: false,
                type: 'toggle',
                def: createDefaults.allowOtherServers,
            },
        ],
    }
}

export const searchQuery = {
    keywords: 'keywords',
    status: 'status',
    freeSeats: 'freeSeats',
    level: 'level',
    room: 'room',
    password: 'password',
} as const

export const statusChoices = ['any', ...roomStatuses] as const
const statusText: Record<(typeof statusChoices)[number], MessageKey> = {
    any: 'statusAny',
    selecting: 'statusSelecting',
    preparing: 'statusPreparing',
    playing: 'statusPlaying',
}

export function advancedSearchForm(tr: Translate): ServerForm {
    return {
        type: 'advanced',
        title: tr('searchAdvanced'),
        icon: 'search',
        requireConfirmation: false,
        options: [
            {
                query: searchQuery.keywords,
                name: tr('optionKeywords'),
                required: false,
                type: 'text',
                def: '',
                placeholder: tr('optionKeywordsPlaceholder'),
                limit: 100,
                shortcuts: [],
            },
            {
                query: searchQuery.status,
                name: tr('optionStatus'),
                required: false,
                type: 'select',
                def: 'any',
                values: statusChoices.map((status) => ({ name: status, title: tr(statusText[status]) })),
            },
            { query: searchQuery.freeSeats, name: tr('optionFreeSeats'), required: false, type: 'toggle', def: false },
            {
                query: searchQuery.level,
                name: tr('optionLevel'),
                required: false,
                type: 'text',
                def: '',
                placeholder: tr('optionLevelPlaceholder'),
                limit: 100,
                shortcuts: [],
            },
        ],
    }
}

export function privateSearchForm(tr: Translate): ServerForm {
    return {
        type: 'private',
        title: tr('searchPrivate'),
        icon: 'lock',
        description: tr('searchPrivateDescription'),
        requireConfirmation: false,
        options: [
            {
                query: searchQuery.room,
                name: tr('optionRoom'),
                required: true,
                type: 'text',
                def: '',
                placeholder: tr('optionRoomPlaceholder'),
                limit: titleMaxLength,
                shortcuts: [],
            },
            {
                query: searchQuery.password,
                name: tr('optionPassword'),
                required: true,
                type: 'text',
                def: '',
                placeholder: tr('optionPassword'),
                limit: passwordMaxLength,
                shortcuts: [],
            },
        ],
    }
}

export const searchForms = (tr: Translate): ServerForm[] => [advancedSearchForm(tr), privateSearchForm(tr)]
