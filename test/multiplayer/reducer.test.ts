import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Event, RoomUser, UpdateEvent } from '@sonolus/core'
import { applyEvent, defaultRoomOptions, FatalEventError, isCompatible, type ApplyContext, type RoomView } from '../../src/multiplayer/index.js'
import { level, sampleResult } from '../helpers/gameplay.js'
import { makeRoomUser, roomUserChecker } from '../helpers/room-user.js'
import { plain } from './harness.js'

const T0 = 1_700_000_000_000
const users: Record<string, RoomUser> = {
    a: makeRoomUser({ id: 'a', time: T0 }),
    b: makeRoomUser({ id: 'b', time: T0 }),
    c: makeRoomUser({ id: 'c', time: T0 }),
}
const OPTION_VALUES = 'type=room&scoring=arcade&teams=none&suggestionsPerPlayer=5'

function baseView(overrides: Partial<RoomView> = {}): RoomView {
    return {
        allowOtherServers: false,
        reportUserOptions: [],
        title: 'room',
        status: 'selecting',
        master: 'a' as never,
        lead: 'a' as never,
        options: defaultRoomOptions(),
        optionValues: OPTION_VALUES,
        level: null,
        levelOptions: [],
        autoExit: 'off',
        isSuggestionsLocked: false,
        suggestions: [],
        scoreboardSections: [{ title: '#ARCADE_SCORE', scores: [] }],
        results: [],
        users: [users.a!, users.b!],
        userStatuses: [
            { userId: 'a' as never, status: 'waiting' },
            { userId: 'b' as never, status: 'waiting' },
        ],
        ...overrides,
    }
}

function preparing(overrides: Partial<RoomView> = {}): RoomView {
    return baseView({ status: 'preparing', level: level('x'), ...overrides })
}

function playing(overrides: Partial<RoomView> = {}): RoomView {
    return baseView({ status: 'playing', level: level('x'), ...overrides })
}

function updateOf(view: RoomView): UpdateEvent {
    return { type: 'update', ...structuredClone(view) }
}

/** The event is fatal, and the view is exactly as it was. */
function fatal(view: RoomView, event: unknown, ctx: ApplyContext = {}, pattern?: RegExp): void {
    const before = plain(view)
    assert.throws(
        () => applyEvent(view, event as Event, ctx),
        (error: unknown) => error instanceof FatalEventError && (pattern === undefined || pattern.test(error.message)),
    )
    assert.deepStrictEqual(plain(view), before, 'a fatal event must leave the state untouched')
}

function apply(view: RoomView, event: unknown, ctx: ApplyContext = {}): RoomView {
    applyEvent(view, event as Event, ctx)
    return view
}

const score = (userId: string, value: string) => ({ userId: userId as never, value })

describe('reducer: user status compatibility (strict reading)', () => {
    it('waiting fits all, ready/skipped fit preparing and playing, playing fits playing', () => {
        assert.equal(isCompatible('selecting', 'waiting'), true)
        assert.equal(isCompatible('selecting', 'ready'), false)
        assert.equal(isCompatible('selecting', 'skipped'), false)
        assert.equal(isCompatible('selecting', 'playing'), false)
        assert.equal(isCompatible('preparing', 'ready'), true)
        assert.equal(isCompatible('preparing', 'skipped'), true)
        assert.equal(isCompatible('preparing', 'playing'), false)
        assert.equal(isCompatible('playing', 'ready'), true)
        assert.equal(isCompatible('playing', 'skipped'), true)
        assert.equal(isCompatible('playing', 'playing'), true)
    })
})

describe('reducer: UpdateEvent', () => {
    it('replaces the state', () => {
        const view = baseView({ users: [], userStatuses: [], master: null, lead: null })
        const next = preparing({ title: 'new', scoreboardDescription: 'desc' })
        apply(view, updateOf(next), { selfId: 'a' })
        assert.deepStrictEqual(plain(view), plain(next))
    })
    it('drops a scoreboard description the event does not carry', () => {
        const view = baseView({ scoreboardDescription: 'old' })
        apply(view, updateOf(baseView()))
        assert.equal('scoreboardDescription' in view, false)
    })
    it('verifies users with the given verifier', () => {
        const verifyUser = roomUserChecker({ now: () => T0 + 1000 })
        const view = baseView()
        apply(view, updateOf(baseView()), { selfId: 'a', verifyUser })
        const forged = { ...users.b!, signature: users.a!.signature }
        fatal(view, updateOf(baseView({ users: [users.a!, forged] })), { verifyUser }, /signature/)
        const old = roomUserChecker({ now: () => T0 + 25 * 60 * 60 * 1000 })
        fatal(view, updateOf(baseView()), { verifyUser: old }, /24 hours/)
        const otherRoom = makeRoomUser({ id: 'b', time: T0, room: 'elsewhere' })
        fatal(view, updateOf(baseView({ users: [users.a!, otherRoom] })), { verifyUser }, /room/)
        const otherAddress = makeRoomUser({ id: 'b', time: T0, address: 'https://evil.test' })
        fatal(view, updateOf(baseView({ users: [users.a!, otherAddress] })), { verifyUser }, /address/)
    })
    const cases: [string, Partial<RoomView>, ApplyContext?][] = [
        ['master not in users', { master: 'c' as never }],
        ['lead not in users', { lead: 'c' as never }],
        ['options empty', { options: [] }],
        ['optionValues invalid', { optionValues: 'teams=9' }],
        ['optionValues unknown key', { optionValues: 'nope=1' }],
        ['status not selecting with null level', { status: 'preparing', level: null }],
        [
            'levelOptions duplicated',
            {
                levelOptions: [
                    { index: 1, value: 1 },
                    { index: 1, value: 2 },
                ],
            },
        ],
        [
            'suggestions duplicated',
            {
                suggestions: [
                    { userId: 'a' as never, level: level('s') },
                    { userId: 'a' as never, level: level('s') },
                ],
            },
        ],
        ['users duplicated', { users: [users.a!, users.b!, users.a!] }],
        [
            'users without self',
            { users: [users.b!], master: null, lead: null, userStatuses: [{ userId: 'b' as never, status: 'waiting' }] },
            { selfId: 'a' },
        ],
        ['user status of unknown user', { userStatuses: [{ userId: 'c' as never, status: 'waiting' }] }],
        [
            'user status duplicated',
            {
                userStatuses: [
                    { userId: 'a' as never, status: 'waiting' },
                    { userId: 'a' as never, status: 'waiting' },
                ],
            },
        ],
        ['user status incompatible', { userStatuses: [{ userId: 'a' as never, status: 'ready' }] }],
        ['result of unknown user', { results: [{ userId: 'c' as never, result: sampleResult(1) }] }],
        [
            'result duplicated',
            {
                results: [
                    { userId: 'a' as never, result: sampleResult(1) },
                    { userId: 'a' as never, result: sampleResult(2) },
                ],
            },
        ],
        ['score of unknown user', { scoreboardSections: [{ title: 't', scores: [score('c', '1')] }] }],
        ['score duplicated in a section', { scoreboardSections: [{ title: 't', scores: [score('a', '1'), score('a', '2')] }] }],
        [
            'score duplicated across sections',
            {
                scoreboardSections: [
                    { title: 't', scores: [score('a', '1')] },
                    { title: 'u', scores: [score('a', '2')] },
                ],
            },
        ],
        ['user with a bad authentication', { users: [users.a!, { authentication: 'bm90IGpzb24=', signature: '' }] }],
    ]
    for (const [name, overrides, ctx] of cases) {
        it(`is fatal when ${name}`, () => {
            fatal(baseView(), updateOf(baseView(overrides)), ctx ?? {})
        })
    }
})

describe('reducer: users', () => {
    it('AddUserEvent adds the user as waiting', () => {
        const view = apply(preparing(), { type: 'addUser', user: users.c })
        assert.equal(view.users.length, 3)
        assert.deepEqual(view.userStatuses.at(-1), { userId: 'c', status: 'waiting' })
    })
    it('AddUserEvent is fatal when the user exists (same id)', () => {
        fatal(baseView(), { type: 'addUser', user: makeRoomUser({ id: 'b', time: T0 + 5 }) }, {}, /already exists/)
    })
    it('AddUserEvent is fatal when the user does not verify', () => {
        const verifyUser = roomUserChecker({ now: () => T0 })
        fatal(baseView(), { type: 'addUser', user: { ...users.c!, signature: users.a!.signature } }, { verifyUser })
    })
    it('RemoveUserEvent removes the user, their roles, result, status and scores', () => {
        const view = playing({
            master: 'b' as never,
            lead: 'b' as never,
            results: [{ userId: 'b' as never, result: sampleResult(5) }],
            userStatuses: [
                { userId: 'a' as never, status: 'playing' },
                { userId: 'b' as never, status: 'waiting' },
            ],
            scoreboardSections: [{ title: 't', scores: [score('a', '1'), score('b', '2')] }],
        })
        apply(view, { type: 'removeUser', user: users.b }, { selfId: 'a' })
        assert.equal(view.users.length, 1)
        assert.equal(view.master, null)
        assert.equal(view.lead, null)
        assert.deepEqual(view.results, [])
        assert.deepEqual(view.userStatuses, [{ userId: 'a', status: 'playing' }])
        assert.deepEqual(view.scoreboardSections[0]!.scores, [score('a', '1')])
    })
    it('RemoveUserEvent is fatal for an unknown user, another entry of the same user, or self', () => {
        fatal(baseView(), { type: 'removeUser', user: users.c }, {}, /does not exist/)
        fatal(baseView(), { type: 'removeUser', user: makeRoomUser({ id: 'b', time: T0 + 1 }) }, {}, /does not exist/)
        fatal(baseView(), { type: 'removeUser', user: users.a }, { selfId: 'a' }, /is the client/)
    })
    it('UpdateUsersEvent replaces users', () => {
        const fresh = makeRoomUser({ id: 'b', time: T0 + 10 })
        const view = apply(baseView(), { type: 'updateUsers', users: [users.a, fresh] }, { selfId: 'a' })
        assert.equal(view.users[1], fresh)
    })
    it('UpdateUsersEvent is fatal on duplicates, without self, or orphaning state', () => {
        fatal(baseView(), { type: 'updateUsers', users: [users.a, users.a] })
        fatal(baseView(), { type: 'updateUsers', users: [users.b] }, { selfId: 'a' })
        fatal(baseView(), { type: 'updateUsers', users: [users.a] }, {}, /user status/)
    })
})

describe('reducer: statuses', () => {
    it('UpdateUserStatusEvent sets a compatible status', () => {
        const view = apply(preparing(), { type: 'updateUserStatus', userStatus: { userId: 'b', status: 'ready' } })
        assert.equal(view.userStatuses[1]!.status, 'ready')
    })
    it('UpdateUserStatusEvent is fatal for an unknown user or an incompatible status', () => {
        fatal(preparing(), { type: 'updateUserStatus', userStatus: { userId: 'c', status: 'ready' } }, {}, /does not exist/)
        fatal(baseView(), { type: 'updateUserStatus', userStatus: { userId: 'a', status: 'ready' } }, {}, /incompatible/)
        fatal(preparing(), { type: 'updateUserStatus', userStatus: { userId: 'a', status: 'playing' } }, {}, /incompatible/)
    })
    it('UpdateUserStatusesEvent replaces statuses, checked', () => {
        const view = apply(preparing(), {
            type: 'updateUserStatuses',
            userStatuses: [{ userId: 'a', status: 'ready' }],
        })
        assert.deepEqual(view.userStatuses, [{ userId: 'a', status: 'ready' }])
        fatal(preparing(), { type: 'updateUserStatuses', userStatuses: [{ userId: 'c', status: 'ready' }] })
        fatal(preparing(), { type: 'updateUserStatuses', userStatuses: [{ userId: 'a', status: 'playing' }] })
        fatal(preparing(), {
            type: 'updateUserStatuses',
            userStatuses: [
                { userId: 'a', status: 'ready' },
                { userId: 'a', status: 'ready' },
            ],
        })
    })
    it('UpdateStatusEvent to playing empties results and sets skipped users waiting', () => {
        const view = preparing({
            results: [{ userId: 'a' as never, result: sampleResult(1) }],
            userStatuses: [
                { userId: 'a' as never, status: 'ready' },
                { userId: 'b' as never, status: 'skipped' },
            ],
        })
        apply(view, { type: 'updateStatus', status: 'playing' })
        assert.equal(view.status, 'playing')
        assert.deepEqual(view.results, [])
        assert.deepEqual(view.userStatuses, [
            { userId: 'a', status: 'ready' },
            { userId: 'b', status: 'waiting' },
        ])
    })
    it('UpdateStatusEvent is fatal without a level, or when statuses would not fit', () => {
        fatal(baseView(), { type: 'updateStatus', status: 'preparing' }, {}, /no level/)
        const view = preparing({ userStatuses: [{ userId: 'a' as never, status: 'ready' }] })
        fatal(view, { type: 'updateStatus', status: 'selecting' }, {}, /incompatible/)
        fatal(preparing(), { type: 'updateStatus', status: 'waiting' })
    })
})

describe('reducer: roles, title, options', () => {
    it('UpdateMasterEvent / UpdateLeadEvent set a user or null', () => {
        const view = apply(baseView(), { type: 'updateMaster', master: 'b' })
        assert.equal(view.master, 'b')
        apply(view, { type: 'updateLead', lead: null })
        assert.equal(view.lead, null)
        fatal(view, { type: 'updateMaster', master: 'c' })
        fatal(view, { type: 'updateLead', lead: 'c' })
    })
    it('UpdateTitleEvent sets the title', () => {
        assert.equal(apply(baseView(), { type: 'updateTitle', title: 'T' }).title, 'T')
    })
    it('UpdateOptionValuesEvent needs values valid for the options', () => {
        const values = 'type=room&scoring=wins&teams=2&suggestionsPerPlayer=3'
        assert.equal(apply(baseView(), { type: 'updateOptionValues', optionValues: values }).optionValues, values)
        fatal(baseView(), { type: 'updateOptionValues', optionValues: 'scoring=golf' })
    })
    it('UpdateOptionsEvent needs non-empty options and valid values', () => {
        const options = defaultRoomOptions(10)
        const view = apply(baseView(), { type: 'updateOptions', options, optionValues: '' })
        assert.equal(view.options, options)
        fatal(baseView(), { type: 'updateOptions', options: [], optionValues: '' })
        fatal(baseView(), { type: 'updateOptions', options, optionValues: 'suggestionsPerPlayer=11' })
    })
})

describe('reducer: level', () => {
    it('UpdateLevelEvent sets the level and clears level options while selecting', () => {
        const view = apply(baseView({ levelOptions: [{ index: 0, value: 1 }] }), { type: 'updateLevel', level: level('y') })
        assert.deepEqual(view.level, level('y'))
        assert.deepEqual(view.levelOptions, [])
        fatal(preparing(), { type: 'updateLevel', level: level('y') }, {}, /not selecting/)
    })
    it('UpdateLevelOptionEvent updates or adds one option while selecting', () => {
        const view = apply(baseView({ levelOptions: [{ index: 0, value: 1 }] }), { type: 'updateLevelOption', levelOption: { index: 0, value: 2 } })
        apply(view, { type: 'updateLevelOption', levelOption: { index: 3, value: 1 } })
        assert.deepEqual(view.levelOptions, [
            { index: 0, value: 2 },
            { index: 3, value: 1 },
        ])
        fatal(preparing(), { type: 'updateLevelOption', levelOption: { index: 0, value: 2 } }, {}, /not selecting/)
    })
    it('UpdateLevelOptionsEvent replaces options while selecting, without duplicates', () => {
        const view = apply(baseView(), { type: 'updateLevelOptions', levelOptions: [{ index: 1, value: 1 }] })
        assert.deepEqual(view.levelOptions, [{ index: 1, value: 1 }])
        fatal(preparing(), { type: 'updateLevelOptions', levelOptions: [] }, {}, /not selecting/)
        fatal(baseView(), {
            type: 'updateLevelOptions',
            levelOptions: [
                { index: 1, value: 1 },
                { index: 1, value: 1 },
            ],
        })
    })
    it('UpdateAutoExitEvent sets auto exit while selecting', () => {
        assert.equal(apply(baseView(), { type: 'updateAutoExit', autoExit: 'pass' }).autoExit, 'pass')
        fatal(playing(), { type: 'updateAutoExit', autoExit: 'pass' }, {}, /not selecting/)
    })
})

describe('reducer: suggestions', () => {
    const s1 = { userId: 'a', level: level('s1') }
    const s2 = { userId: 'b', level: level('s2') }
    it('add, remove, swap, replace, clear, lock', () => {
        const view = apply(baseView(), { type: 'addSuggestion', suggestion: s1 })
        apply(view, { type: 'addSuggestion', suggestion: s2 })
        apply(view, { type: 'swapSuggestions', suggestionA: s1, suggestionB: s2 })
        assert.deepEqual(view.suggestions, [s2, s1])
        apply(view, { type: 'removeSuggestion', suggestion: s2 })
        assert.deepEqual(view.suggestions, [s1])
        apply(view, { type: 'updateSuggestions', suggestions: [s2, s1] })
        assert.deepEqual(view.suggestions, [s2, s1])
        apply(view, { type: 'clearSuggestions' })
        assert.deepEqual(view.suggestions, [])
        apply(view, { type: 'updateIsSuggestionsLocked', isSuggestionsLocked: true })
        assert.equal(view.isSuggestionsLocked, true)
    })
    it('a suggestion is the same when user and level are the same', () => {
        const view = apply(baseView(), { type: 'addSuggestion', suggestion: s1 })
        apply(view, { type: 'addSuggestion', suggestion: { userId: 'b', level: level('s1') } })
        fatal(view, { type: 'addSuggestion', suggestion: { userId: 'a', level: level('s1') } }, {}, /already exists/)
    })
    it('is fatal on missing suggestions and duplicates', () => {
        const view = apply(baseView(), { type: 'addSuggestion', suggestion: s1 })
        fatal(view, { type: 'removeSuggestion', suggestion: s2 }, {}, /does not exist/)
        fatal(view, { type: 'swapSuggestions', suggestionA: s1, suggestionB: s2 }, {}, /suggestionB/)
        fatal(view, { type: 'swapSuggestions', suggestionA: s2, suggestionB: s1 }, {}, /suggestionA/)
        fatal(view, { type: 'updateSuggestions', suggestions: [s1, s1] }, {}, /duplications/)
    })
})

describe('reducer: results and chat', () => {
    it('AddResultEvent adds one result per user', () => {
        const view = apply(playing(), { type: 'addResult', result: { userId: 'a', result: sampleResult(1) } })
        assert.equal(view.results.length, 1)
        fatal(view, { type: 'addResult', result: { userId: 'a', result: sampleResult(2) } }, {}, /already has/)
        fatal(view, { type: 'addResult', result: { userId: 'c', result: sampleResult(2) } }, {}, /does not exist/)
    })
    it('AddChatMessageEvent and StartRoundEvent leave the room state alone', () => {
        const view = playing()
        const before = plain(view)
        apply(view, { type: 'addChatMessage', nonce: 1, message: { userId: 'a', type: 'text', value: 'hi' } })
        apply(view, { type: 'addChatMessage', message: { userId: null, type: 'text', value: 'system' } })
        apply(view, { type: 'startRound', state: 's', seed: 0.5 })
        assert.deepStrictEqual(plain(view), before)
    })
    it('unknown events are fatal', () => {
        fatal(baseView(), { type: 'nope' })
        fatal(baseView(), null)
    })
})

describe('reducer: scoreboard', () => {
    const board = () =>
        baseView({
            users: [users.a!, users.b!, users.c!],
            userStatuses: ['a', 'b', 'c'].map((id) => ({ userId: id as never, status: 'waiting' as const })),
            scoreboardSections: [
                { title: 'one', scores: [score('a', '3'), score('b', '2')] },
                { title: 'two', scores: [] },
            ],
        })
    it('description', () => {
        const view = apply(board(), { type: 'updateScoreboardDescription', scoreboardDescription: 'd' })
        assert.equal(view.scoreboardDescription, 'd')
        apply(view, { type: 'updateScoreboardDescription' })
        assert.equal('scoreboardDescription' in view, false)
    })
    it('sections: replace, insert, update, remove, move, swap, title, icon, scores', () => {
        const view = board()
        apply(view, { type: 'insertScoreboardSection', index: 2, scoreboardSection: { title: 'three', scores: [score('c', '1')] } })
        assert.deepEqual(
            view.scoreboardSections.map((s) => s.title),
            ['one', 'two', 'three'],
        )
        apply(view, { type: 'moveScoreboardSection', fromIndex: 2, toIndex: 0 })
        assert.deepEqual(
            view.scoreboardSections.map((s) => s.title),
            ['three', 'one', 'two'],
        )
        apply(view, { type: 'swapScoreboardSections', indexA: 0, indexB: 2 })
        assert.deepEqual(
            view.scoreboardSections.map((s) => s.title),
            ['two', 'one', 'three'],
        )
        apply(view, { type: 'updateScoreboardSectionTitle', index: 0, title: '#TEAM_RED' })
        apply(view, { type: 'updateScoreboardSectionIcon', index: 0, icon: 'crown' })
        assert.deepEqual(view.scoreboardSections[0], { title: '#TEAM_RED', icon: 'crown', scores: [] })
        apply(view, { type: 'updateScoreboardSectionIcon', index: 0 })
        assert.equal('icon' in view.scoreboardSections[0]!, false)
        apply(view, { type: 'updateScoreboardSection', index: 0, scoreboardSection: { title: 'zero', scores: [] } })
        apply(view, { type: 'removeScoreboardSection', index: 0 })
        assert.deepEqual(
            view.scoreboardSections.map((s) => s.title),
            ['one', 'three'],
        )
        apply(view, { type: 'updateScoreboardSectionScores', index: 1, scores: [] })
        apply(view, { type: 'updateScoreboardSections', scoreboardSections: [{ title: 'x', scores: [score('c', '9')] }] })
        assert.deepEqual(view.scoreboardSections, [{ title: 'x', scores: [score('c', '9')] }])
    })
    it('scores: insert, remove, move, swap, merge, values, arrange', () => {
        const view = board()
        apply(view, { type: 'insertScoreboardSectionScore', sectionIndex: 0, index: 1, score: score('c', '2.5') })
        assert.deepEqual(
            view.scoreboardSections[0]!.scores.map((s) => s.userId),
            ['a', 'c', 'b'],
        )
        apply(view, { type: 'moveScoreboardSectionScore', sectionIndex: 0, fromIndex: 0, toIndex: 2 })
        assert.deepEqual(
            view.scoreboardSections[0]!.scores.map((s) => s.userId),
            ['c', 'b', 'a'],
        )
        apply(view, { type: 'swapScoreboardSectionScores', sectionIndex: 0, indexA: 0, indexB: 1 })
        assert.deepEqual(
            view.scoreboardSections[0]!.scores.map((s) => s.userId),
            ['b', 'c', 'a'],
        )
        apply(view, { type: 'mergeScoreboardSectionScores', index: 0, scores: [score('a', '10')] })
        assert.deepEqual(view.scoreboardSections[0]!.scores[2], score('a', '10'))
        apply(view, { type: 'updateScoreboardSectionScoresValue', index: 0, values: ['x', 'y'] })
        assert.deepEqual(
            view.scoreboardSections[0]!.scores.map((s) => s.value),
            ['x', 'y', '10'],
        )
        apply(view, { type: 'arrangeScoreboardSectionScores', sectionIndex: 0, indexes: [2, 0] })
        assert.deepEqual(view.scoreboardSections[0]!.scores, [score('a', '10'), score('b', 'x')])
        apply(view, { type: 'removeScoreboardSectionScore', sectionIndex: 0, index: 0 })
        assert.deepEqual(view.scoreboardSections[0]!.scores, [score('b', 'x')])
    })
    it('fatal conditions of section events', () => {
        fatal(board(), { type: 'insertScoreboardSection', index: 3, scoreboardSection: { title: 'x', scores: [] } }, {}, /out of bound/)
        fatal(board(), { type: 'insertScoreboardSection', index: -1, scoreboardSection: { title: 'x', scores: [] } }, {}, /out of bound/)
        fatal(board(), { type: 'insertScoreboardSection', index: 0, scoreboardSection: { title: 'x', scores: [score('a', '1')] } }, {}, /duplicated/)
        fatal(board(), { type: 'updateScoreboardSection', index: 2, scoreboardSection: { title: 'x', scores: [] } })
        fatal(board(), { type: 'updateScoreboardSection', index: 1, scoreboardSection: { title: 'x', scores: [score('b', '1')] } })
        fatal(board(), { type: 'removeScoreboardSection', index: 2 })
        fatal(board(), { type: 'moveScoreboardSection', fromIndex: 2, toIndex: 0 })
        fatal(board(), { type: 'moveScoreboardSection', fromIndex: 0, toIndex: 2 }, {}, /out of bound/)
        fatal(board(), { type: 'swapScoreboardSections', indexA: 0, indexB: 5 })
        fatal(board(), { type: 'updateScoreboardSectionTitle', index: 9, title: 'x' })
        fatal(board(), { type: 'updateScoreboardSectionIcon', index: 9 })
        fatal(board(), { type: 'updateScoreboardSectionScores', index: 9, scores: [] })
        fatal(board(), { type: 'updateScoreboardSectionScores', index: 1, scores: [score('z', '1')] })
        fatal(board(), { type: 'updateScoreboardSections', scoreboardSections: [{ title: 'x', scores: [score('a', '1'), score('a', '1')] }] })
    })
    it('fatal conditions of score events', () => {
        fatal(board(), { type: 'insertScoreboardSectionScore', sectionIndex: 2, index: 0, score: score('c', '1') })
        fatal(board(), { type: 'insertScoreboardSectionScore', sectionIndex: 0, index: 3, score: score('c', '1') }, {}, /out of bound/)
        fatal(board(), { type: 'insertScoreboardSectionScore', sectionIndex: 1, index: 0, score: score('a', '1') }, {}, /already exists/)
        fatal(board(), { type: 'insertScoreboardSectionScore', sectionIndex: 1, index: 0, score: score('z', '1') }, {}, /does not exist/)
        fatal(board(), { type: 'removeScoreboardSectionScore', sectionIndex: 0, index: 2 })
        fatal(board(), { type: 'moveScoreboardSectionScore', sectionIndex: 0, fromIndex: 2, toIndex: 0 })
        fatal(board(), { type: 'moveScoreboardSectionScore', sectionIndex: 0, fromIndex: 0, toIndex: 2 }, {}, /out of bound/)
        fatal(board(), { type: 'swapScoreboardSectionScores', sectionIndex: 0, indexA: 0, indexB: 2 })
        fatal(board(), { type: 'mergeScoreboardSectionScores', index: 0, scores: [score('c', '1')] }, {}, /corresponding/)
        fatal(board(), { type: 'mergeScoreboardSectionScores', index: 4, scores: [] })
        fatal(board(), { type: 'updateScoreboardSectionScoresValue', index: 0, values: ['1', '2', '3'] }, {}, /longer/)
        fatal(board(), { type: 'arrangeScoreboardSectionScores', sectionIndex: 0, indexes: [0, 0] }, {}, /duplications/)
        fatal(board(), { type: 'arrangeScoreboardSectionScores', sectionIndex: 0, indexes: [0, 5] }, {}, /does not exist/)
        fatal(board(), { type: 'arrangeScoreboardSectionScores', sectionIndex: 3, indexes: [] })
    })
    it('events queued earlier never change when the view changes later', () => {
        const view = board()
        const section = { title: 'new', scores: [score('c', '1')] }
        apply(view, { type: 'insertScoreboardSection', index: 0, scoreboardSection: section })
        apply(view, { type: 'removeScoreboardSectionScore', sectionIndex: 0, index: 0 })
        apply(view, { type: 'updateScoreboardSectionTitle', index: 0, title: 'changed' })
        assert.deepEqual(section, { title: 'new', scores: [score('c', '1')] })
    })
})
