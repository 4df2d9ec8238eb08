import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServerForm } from '@sonolus/core'
import {
    canonicalOptionValues,
    defaultReportUserOptions,
    defaultRoomOptions,
    isValidOptionValues,
    parseOptionValues,
    roomSettings,
} from '../../src/multiplayer/index.js'

const forms: ServerForm[] = [
    {
        type: 'casual',
        title: '#ROOM',
        requireConfirmation: false,
        options: [
            { query: 'round', name: 'Rounds', required: false, type: 'slider', def: 3, min: 1, max: 10, step: 1 },
            { query: 'ratio', name: 'Ratio', required: false, type: 'slider', def: 0.5, min: 0, max: 1, step: 0.25 },
            { query: 'random', name: '#RANDOM', required: false, type: 'toggle', def: false },
            { query: 'name', name: 'Name', required: false, type: 'text', def: '', placeholder: '', limit: 5, shortcuts: [] },
            {
                query: 'difficulty',
                name: 'Difficulty',
                required: false,
                type: 'multi',
                def: [true, false, false],
                values: [
                    { name: 'easy', title: 'Easy' },
                    { name: 'normal', title: 'Normal' },
                    { name: 'hard', title: 'Hard' },
                ],
            },
        ],
    },
    {
        type: 'ranked',
        title: 'Ranked',
        requireConfirmation: false,
        options: [{ query: 'code', name: 'Code', required: true, type: 'text', def: '', placeholder: '', limit: 0, shortcuts: [] }],
    },
]

describe('option values', () => {
    it('accept the spec example shape and fill defaults', () => {
        const parsed = parseOptionValues(forms, 'type=casual&round=3')!
        assert.equal(parsed.type, 'casual')
        assert.equal(parsed.values.get('round'), 3)
        assert.equal(parsed.values.get('random'), false)
        assert.deepEqual(parsed.values.get('difficulty'), ['easy'])
        assert.equal(canonicalOptionValues(forms, 'type=casual&round=3'), 'type=casual&round=3&ratio=0.5&random=0&name=&difficulty=easy')
    })
    it('without a type mean the first form; the empty string is all defaults', () => {
        assert.equal(parseOptionValues(forms, '')!.type, 'casual')
        assert.equal(parseOptionValues(forms, 'round=4')!.values.get('round'), 4)
    })
    it('validate every option type', () => {
        const valid = [
            'round=10',
            'ratio=0.75',
            'random=1',
            'random=true',
            'random=0',
            'name=abcde',
            'difficulty=',
            'difficulty=easy,hard',
            'type=ranked&code=x',
        ]
        for (const v of valid) assert.equal(isValidOptionValues(forms, v), true, v)
        const invalid = [
            'round=11',
            'round=0',
            'round=2.5',
            'round=abc',
            'round=',
            'ratio=0.3',
            'random=yes',
            'name=abcdef',
            'difficulty=easy,easy',
            'difficulty=extreme',
            'type=unknown',
            'unknown=1',
            'round=1&round=2',
            'type=ranked',
            'type=ranked&round=3&code=x',
        ]
        for (const v of invalid) assert.equal(isValidOptionValues(forms, v), false, v)
        assert.equal(isValidOptionValues(forms, 42), false)
        assert.equal(isValidOptionValues([], ''), false)
        assert.equal(isValidOptionValues(forms, 'x='.padEnd(10_000, 'x')), false)
    })
    it('room options map to settings; unknown forms fall back', () => {
        const options = defaultRoomOptions()
        assert.deepEqual(roomSettings(parseOptionValues(options, ''), 50), { scoring: 'arcade', teams: 0, suggestionsPerPlayer: 5 })
        assert.deepEqual(roomSettings(parseOptionValues(options, 'scoring=wins&teams=3&suggestionsPerPlayer=2'), 50), {
            scoring: 'wins',
            teams: 3,
            suggestionsPerPlayer: 2,
        })
        assert.deepEqual(roomSettings(parseOptionValues(forms, ''), 7), { scoring: 'arcade', teams: 0, suggestionsPerPlayer: 7 })
    })
    it('default forms use Text codes and have valid defaults', () => {
        const room = defaultRoomOptions()
        assert.equal(room[0]!.options[0]!.name, '#ROUND_SCORING')
        assert.equal(canonicalOptionValues(room, ''), 'type=room&scoring=arcade&teams=none&suggestionsPerPlayer=5')
        const report = defaultReportUserOptions()
        assert.equal(
            canonicalOptionValues(report, 'reason=spamming&comment=too+many+messages'),
            'type=report&reason=spamming&comment=too+many+messages',
        )
        assert.equal(isValidOptionValues(report, 'reason=nope'), false)
    })
})
