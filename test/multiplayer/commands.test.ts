import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Delivery, EngineOutput } from '../../src/multiplayer/index.js'
import { level, levelItem, sampleResult } from '../helpers/gameplay.js'
import { events, Harness, notices, type HarnessOptions } from './harness.js'

/** Corrections are rate-limited; these tests refuse many commands in a row, so the limit is lifted. */
function setup(n = 3, options: HarnessOptions = {}): Harness {
    const h = new Harness({ ...options, limits: { correction: { burst: 1000, windowMs: 1000 }, ...options.limits } })
    for (let i = 1; i <= n; i++) h.join(`u${i}`)
    return h
}

function toPreparing(h: Harness): void {
    ok(h.command('u1', { type: 'updateLevel', level: level('song') }))
    ok(h.command('u1', { type: 'updateStatus', status: 'preparing' }))
}

function toPlaying(h: Harness, ready: string[] = ['u1', 'u2']): void {
    toPreparing(h)
    for (const id of ready) ok(h.command(id, { type: 'updateUserStatus', status: 'ready' }))
    ok(h.command('u1', { type: 'updateStatus', status: 'playing' }))
}

function ok(output: EngineOutput): EngineOutput {
    assert.equal(output.ignored, undefined, `unexpectedly ignored: ${output.ignored}`)
    return output
}

/** Refused: no event for the room; at most a correcting UpdateEvent for the sender. */
function refused(output: EngineOutput, actor: string, reason?: RegExp, corrected = true): void {
    assert.ok(output.ignored, 'expected the command to be ignored')
    if (reason) assert.match(output.ignored, reason)
    const deliveries = output.out.filter((i): i is Delivery => !('kind' in i))
    for (const d of deliveries) {
        assert.equal(d.event.type, 'update', `a refused command emitted ${d.event.type}`)
        assert.deepEqual(d.to, { only: [actor] })
    }
    if (corrected) assert.equal(deliveries.length, 1, 'expected a correcting UpdateEvent')
    else assert.equal(deliveries.length, 0, 'expected no UpdateEvent')
}

function noop(output: EngineOutput): void {
    assert.equal(output.ignored, undefined)
    assert.equal(output.out.length, 0)
}

describe('commands: dispatch', () => {
    it('ignores non-members, garbage, unknown types and prototype keys', () => {
        const h = setup()
        refused(h.command('zz', { type: 'clearSuggestions' }), 'zz', /not a member/, false)
        for (const raw of [
            null,
            1,
            'x',
            [],
            {},
            { type: 1 },
            { type: 'nope' },
            { type: 'constructor' },
            { type: '__proto__' },
            { type: 'toString' },
        ]) {
            refused(h.command('u2', raw), 'u2', /malformed|unknown/, false)
        }
        h.assertConverged()
    })
    it('rate-limits corrections and sends the held-back one later', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2']) h.join(id)
        let corrections = 0
        for (let i = 0; i < 10; i++) {
            const out = h.command('u2', { type: 'clearSuggestions' })
            corrections += events(out, 'update').length
        }
        assert.equal(corrections, 3)
        assert.ok(h.room.pendingCorrections.has('u2'))
        assert.equal(events(h.tick(), 'update').length, 0)
        h.advance(10_000)
        assert.equal(events(h.tick(), 'update').length, 1)
        assert.equal(h.room.pendingCorrections.has('u2'), false)
    })
})

describe('commands: master', () => {
    it('updateMaster hands master over; others are refused', () => {
        const h = setup()
        refused(h.command('u2', { type: 'updateMaster', master: 'u2' }), 'u2', /not the master/)
        refused(h.command('u1', { type: 'updateMaster', master: 'zz' }), 'u1', /no such user/)
        refused(h.command('u1', { type: 'updateMaster', master: 5 }), 'u1', /malformed/, false)
        noop(h.command('u1', { type: 'updateMaster', master: 'u1' }))
        const out = ok(h.command('u1', { type: 'updateMaster', master: 'u2' }))
        assert.deepEqual(events(out), [{ type: 'updateMaster', master: 'u2' }])
        assert.equal(h.room.view.master, 'u2')
        refused(h.command('u1', { type: 'updateMaster', master: 'u1' }), 'u1', /not the master/)
        h.assertConverged()
    })
    it('updateLead is the master’s', () => {
        const h = setup()
        refused(h.command('u2', { type: 'updateLead', lead: 'u2' }), 'u2', /not the master/)
        ok(h.command('u1', { type: 'updateLead', lead: 'u3' }))
        assert.equal(h.room.view.lead, 'u3')
        // The old lead lost lead powers, the new one has them.
        refused(h.command('u1', { type: 'updateLevel', level: level('a') }), 'u1', /not the lead/)
        ok(h.command('u3', { type: 'updateLevel', level: level('a') }))
        h.assertConverged()
    })
    it('removeUser kicks: events, succession-free, effect, no self-kick', () => {
        const h = setup()
        refused(h.command('u2', { type: 'removeUser', userId: 'u3' }), 'u2', /not the master/)
        refused(h.command('u1', { type: 'removeUser', userId: 'u1' }), 'u1', /yourself/)
        refused(h.command('u1', { type: 'removeUser', userId: 'zz' }), 'u1', /no such user/)
        const out = ok(h.command('u1', { type: 'removeUser', userId: 'u3' }))
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['updateUserStatuses', 'removeUser'],
        )
        assert.deepEqual(out.effects, [{ type: 'kick', userId: 'u3' }])
        assert.ok(notices(out).some((n) => n.key === 'user.kicked'))
        assert.equal(h.room.members.has('u3'), false)
        h.assertConverged()
    })
    it('updateOptionValues validates, canonicalizes, and rebuilds the scoreboard when scoring changes', () => {
        const h = setup()
        refused(h.command('u2', { type: 'updateOptionValues', optionValues: 'scoring=wins' }), 'u2', /not the master/)
        refused(h.command('u1', { type: 'updateOptionValues', optionValues: 'scoring=golf' }), 'u1', /invalid/)
        refused(h.command('u1', { type: 'updateOptionValues', optionValues: 7 }), 'u1', /malformed/, false)
        noop(h.command('u1', { type: 'updateOptionValues', optionValues: h.room.view.optionValues }))
        refused(h.command('u1', { type: 'updateOptionValues', optionValues: '' }), 'u1', /same values/)
        const out = ok(h.command('u1', { type: 'updateOptionValues', optionValues: 'scoring=wins' }))
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['updateOptionValues', 'updateScoreboardSections'],
        )
        assert.equal(h.room.view.optionValues, 'type=room&scoring=wins&teams=none&suggestionsPerPlayer=5')
        assert.deepEqual(out.effects, [{ type: 'settingsChanged' }])
        h.assertConverged()
    })
    it('resetScoreboard is the master’s and empties the scoreboard', () => {
        const h = setup()
        toPlaying(h)
        h.startGameplay('u1')
        h.finishGameplay('u1', sampleResult(100))
        assert.equal(h.room.view.scoreboardSections[0]!.scores.length, 1)
        refused(h.command('u2', { type: 'resetScoreboard' }), 'u2', /not the master/)
        const out = ok(h.command('u1', { type: 'resetScoreboard' }))
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['updateScoreboardSections'],
        )
        assert.deepEqual(h.room.view.scoreboardSections[0]!.scores, [])
        noop(h.command('u1', { type: 'resetScoreboard' }))
        h.assertConverged()
    })
})

describe('commands: lead', () => {
    it('updateLevel: lead, selecting, allowed server', () => {
        const h = setup()
        refused(h.command('u2', { type: 'updateLevel', level: level('a') }), 'u2', /not the lead/)
        refused(h.command('u1', { type: 'updateLevel', level: level('a', 'https://other.test') }), 'u1', /other servers/)
        refused(h.command('u1', { type: 'updateLevel', level: { address: 'x' } }), 'u1', /malformed/, false)
        refused(h.command('u1', { type: 'updateLevel', level: { address: 'x', name: 'y'.repeat(1000) } }), 'u1', /malformed/, false)
        const out = ok(h.command('u1', { type: 'updateLevel', level: { ...level('a'), extra: 'dropped' } }))
        assert.deepEqual(events(out), [{ type: 'updateLevel', level: level('a') }])
        toPreparing(h)
        refused(h.command('u1', { type: 'updateLevel', level: level('b') }), 'u1', /not selecting/)
        h.assertConverged()
    })
    it('updateLevel accepts other servers when the room allows them', () => {
        const h = setup(2, { allowOtherServers: true })
        ok(h.command('u1', { type: 'updateLevel', level: level('a', 'https://other.test') }))
    })
    it('updateLevelOption: lead, selecting, a level, sane entry', () => {
        const h = setup()
        refused(h.command('u1', { type: 'updateLevelOption', levelOption: { index: 0, value: 1 } }), 'u1', /no level/)
        ok(h.command('u1', { type: 'updateLevel', level: level('a') }))
        refused(h.command('u2', { type: 'updateLevelOption', levelOption: { index: 0, value: 1 } }), 'u2', /not the lead/)
        for (const bad of [{ index: -1, value: 1 }, { index: 0.5, value: 1 }, { index: 999, value: 1 }, { index: 0, value: 'x' }, { index: 0 }]) {
            refused(h.command('u1', { type: 'updateLevelOption', levelOption: bad }), 'u1', /malformed/, false)
        }
        ok(h.command('u1', { type: 'updateLevelOption', levelOption: { index: 2, value: 1.5 } }))
        noop(h.command('u1', { type: 'updateLevelOption', levelOption: { index: 2, value: 1.5 } }))
        assert.deepEqual(h.room.view.levelOptions, [{ index: 2, value: 1.5 }])
        h.assertConverged()
    })
    it('updateAutoExit: lead, selecting', () => {
        const h = setup()
        refused(h.command('u2', { type: 'updateAutoExit', autoExit: 'pass' }), 'u2', /not the lead/)
        refused(h.command('u1', { type: 'updateAutoExit', autoExit: 'never' }), 'u1', /malformed/, false)
        ok(h.command('u1', { type: 'updateAutoExit', autoExit: 'pass' }))
        noop(h.command('u1', { type: 'updateAutoExit', autoExit: 'pass' }))
        toPreparing(h)
        refused(h.command('u1', { type: 'updateAutoExit', autoExit: 'off' }), 'u1', /not selecting/)
        h.assertConverged()
    })
    it('updateStatus: lead confirms (needs a level) and cancels; master starts and finishes', () => {
        const h = setup()
        refused(h.command('u1', { type: 'updateStatus', status: 'preparing' }), 'u1', /no level/)
        ok(h.command('u1', { type: 'updateLevel', level: level('a') }))
        ok(h.command('u1', { type: 'updateLead', lead: 'u2' }))
        refused(h.command('u1', { type: 'updateStatus', status: 'preparing' }), 'u1', /not the lead/)
        refused(h.command('u2', { type: 'updateStatus', status: 'playing' }), 'u2', /cannot go/)
        ok(h.command('u2', { type: 'updateStatus', status: 'preparing' }))
        noop(h.command('u2', { type: 'updateStatus', status: 'preparing' }))
        ok(h.command('u3', { type: 'updateUserStatus', status: 'ready' }))
        // Cancel: statuses reset by the server first.
        const cancel = ok(h.command('u2', { type: 'updateStatus', status: 'selecting' }))
        assert.deepEqual(
            events(cancel).map((e) => e.type),
            ['updateUserStatuses', 'updateStatus'],
        )
        ok(h.command('u2', { type: 'updateStatus', status: 'preparing' }))
        refused(h.command('u1', { type: 'updateStatus', status: 'playing' }), 'u1', /nobody is ready/)
        ok(h.command('u3', { type: 'updateUserStatus', status: 'ready' }))
        refused(h.command('u2', { type: 'updateStatus', status: 'playing' }), 'u2', /not the master/)
        ok(h.command('u1', { type: 'updateStatus', status: 'playing' }))
        refused(h.command('u2', { type: 'updateStatus', status: 'selecting' }), 'u2', /not the master/)
        refused(h.command('u1', { type: 'updateStatus', status: 'preparing' }), 'u1', /cannot go/)
        refused(h.command('u1', { type: 'updateStatus', status: 'done' }), 'u1', /malformed/, false)
        h.assertConverged()
    })
})

describe('commands: suggestions', () => {
    it('anyone adds; duplicates, lock, other servers and caps refused', () => {
        const h = setup(3, { limits: { suggestionsMax: 4 } })
        ok(h.command('u2', { type: 'addSuggestion', level: level('a') }))
        refused(h.command('u2', { type: 'addSuggestion', level: level('a') }), 'u2', /already/)
        ok(h.command('u3', { type: 'addSuggestion', level: level('a') }))
        refused(h.command('u2', { type: 'addSuggestion', level: level('b', 'https://x.test') }), 'u2', /other servers/)
        ok(h.command('u1', { type: 'updateIsSuggestionsLocked', isSuggestionsLocked: true }))
        refused(h.command('u2', { type: 'addSuggestion', level: level('b') }), 'u2', /locked/)
        ok(h.command('u1', { type: 'addSuggestion', level: level('b') }))
        ok(h.command('u1', { type: 'addSuggestion', level: level('c') }))
        refused(h.command('u1', { type: 'addSuggestion', level: level('d') }), 'u1', /too many suggestions$/)
        h.assertConverged()
    })
    it('respects suggestions per player', () => {
        const h = setup(2)
        ok(h.command('u1', { type: 'updateOptionValues', optionValues: 'suggestionsPerPlayer=2' }))
        ok(h.command('u2', { type: 'addSuggestion', level: level('a') }))
        ok(h.command('u2', { type: 'addSuggestion', level: level('b') }))
        refused(h.command('u2', { type: 'addSuggestion', level: level('c') }), 'u2', /this player/)
    })
    it('remove: lead or own; swap and clear: lead', () => {
        const h = setup()
        ok(h.command('u2', { type: 'addSuggestion', level: level('a') }))
        ok(h.command('u3', { type: 'addSuggestion', level: level('b') }))
        const a = { userId: 'u2', level: level('a') }
        const b = { userId: 'u3', level: level('b') }
        refused(h.command('u3', { type: 'removeSuggestion', suggestion: a }), 'u3', /not the lead/)
        refused(h.command('u2', { type: 'swapSuggestions', suggestionA: a, suggestionB: b }), 'u2', /not the lead/)
        ok(h.command('u1', { type: 'swapSuggestions', suggestionA: a, suggestionB: b }))
        assert.deepEqual(h.room.view.suggestions, [b, a])
        noop(h.command('u1', { type: 'swapSuggestions', suggestionA: a, suggestionB: a }))
        refused(h.command('u1', { type: 'swapSuggestions', suggestionA: a, suggestionB: { userId: 'u1', level: level('z') } }), 'u1', /no such/)
        ok(h.command('u2', { type: 'removeSuggestion', suggestion: a }))
        refused(h.command('u2', { type: 'removeSuggestion', suggestion: a }), 'u2', /no such/)
        refused(h.command('u2', { type: 'clearSuggestions' }), 'u2', /not the lead/)
        ok(h.command('u1', { type: 'clearSuggestions' }))
        noop(h.command('u1', { type: 'clearSuggestions' }))
        refused(h.command('u2', { type: 'updateIsSuggestionsLocked', isSuggestionsLocked: true }), 'u2', /not the lead/)
        refused(h.command('u1', { type: 'updateIsSuggestionsLocked', isSuggestionsLocked: 'yes' }), 'u1', /malformed/, false)
        h.assertConverged()
    })
    it('suggestions survive round phases and may be managed while playing', () => {
        const h = setup()
        toPlaying(h)
        ok(h.command('u3', { type: 'addSuggestion', level: level('next') }))
        ok(h.command('u1', { type: 'clearSuggestions' }))
        h.assertConverged()
    })
})

describe('commands: user status', () => {
    it('ready / skipped / waiting only while preparing', () => {
        const h = setup()
        refused(h.command('u2', { type: 'updateUserStatus', status: 'ready' }), 'u2', /not preparing/)
        toPreparing(h)
        ok(h.command('u2', { type: 'updateUserStatus', status: 'ready' }))
        noop(h.command('u2', { type: 'updateUserStatus', status: 'ready' }))
        ok(h.command('u2', { type: 'updateUserStatus', status: 'skipped' }))
        ok(h.command('u2', { type: 'updateUserStatus', status: 'waiting' }))
        refused(h.command('u2', { type: 'updateUserStatus', status: 'playing' }), 'u2', /starting gameplay/)
        refused(h.command('u2', { type: 'updateUserStatus', status: 'idle' }), 'u2', /malformed/, false)
        ok(h.command('u2', { type: 'updateUserStatus', status: 'ready' }))
        ok(h.command('u1', { type: 'updateStatus', status: 'playing' }))
        refused(h.command('u3', { type: 'updateUserStatus', status: 'ready' }), 'u3', /not preparing/)
        h.assertConverged()
    })
})

describe('commands: gameplay', () => {
    it('startGameplay needs the current round state and a ready player', () => {
        const h = setup()
        toPlaying(h, ['u1'])
        const state = h.room.round!.state
        refused(h.command('u1', { type: 'startGameplay', state: 'old', level: levelItem('x') }), 'u1', /stale/, false)
        refused(h.command('u1', { type: 'startGameplay', state, level: 'x' }), 'u1', /malformed/, false)
        refused(h.command('u2', { type: 'startGameplay', state, level: levelItem('x') }), 'u2', /not ready/, false)
        const out = ok(h.command('u1', { type: 'startGameplay', state, level: levelItem('x') }))
        assert.deepEqual(events(out), [{ type: 'updateUserStatus', userStatus: { userId: 'u1', status: 'playing' } }])
        refused(h.command('u1', { type: 'startGameplay', state, level: levelItem('x') }), 'u1', /not ready/, false)
    })
    it('finishGameplay always answers with an UpdateEvent, even when stale or malformed', () => {
        const h = setup()
        toPlaying(h, ['u1', 'u2'])
        h.startGameplay('u1')
        h.startGameplay('u2')
        const stale = h.finishGameplay('u1', sampleResult(10), 'old')!
        assert.match(stale.ignored!, /stale/)
        assert.deepEqual(
            events(stale).map((e) => e.type),
            ['update'],
        )
        assert.equal(h.client('u1').model.phase, 'active')
        // Still playing on the server: the right state is accepted afterwards.
        h.client('u1').model.startGameplay()
        const good = h.finishGameplay('u1', sampleResult(10))!
        assert.equal(good.ignored, undefined)
        assert.deepEqual(good.effects.filter((e) => e.type === 'result').length, 1)
        // A malformed result finishes the player without a result.
        h.client('u2').model.startGameplay()
        const bad = h.command('u2', { type: 'finishGameplay', state: h.room.round!.state, result: { grade: 'pass', arcadeScore: -1 } })
        assert.match(bad.ignored!, /malformed result/)
        assert.ok(events(bad).some((e) => e.type === 'update'))
        assert.equal(h.room.view.status, 'selecting')
        assert.deepEqual(
            h.room.view.results.map((r) => r.userId),
            ['u1'],
        )
        h.assertConverged()
    })
    it('rejects hostile results', () => {
        const h = setup()
        toPlaying(h, ['u1', 'u2'])
        h.startGameplay('u1')
        const state = h.room.round!.state
        for (const result of [
            null,
            {},
            { ...sampleResult(1), arcadeScore: Infinity },
            { ...sampleResult(1), perfect: 1.5 },
            { ...sampleResult(1), grade: 'S' },
            { ...sampleResult(1), miss: -1 },
        ]) {
            h.client('u1').model.finishGameplay()
            const out = h.command('u1', { type: 'finishGameplay', state, result })
            assert.equal(events(out, 'addResult').length, 0)
            h.settle()
        }
        h.assertConverged()
    })
    it('a ready player who finishes without starting is done for the round', () => {
        const h = setup()
        toPlaying(h, ['u1'])
        const out = h.finishGameplay('u1', sampleResult(10))!
        assert.equal(events(out, 'addResult').length, 0)
        assert.equal(h.room.view.status, 'selecting')
        h.assertConverged()
    })
    it('resync UpdateEvents on finishGameplay are rate-limited, held back ones come with tick', () => {
        const h = setup()
        const h2 = new Harness()
        for (const id of ['u1', 'u2']) h2.join(id)
        let updates = 0
        // 5 from the resync allowance, then 3 more from the correction allowance, then none.
        for (let i = 0; i < 12; i++)
            updates += events(h2.command('u2', { type: 'finishGameplay', state: 'x', result: sampleResult(1) }), 'update').length
        assert.equal(updates, 8)
        assert.ok(h2.room.pendingCorrections.has('u2'))
        h2.advance(30_000)
        assert.equal(events(h2.tick(), 'update').length, 1)
        void h
    })
})

describe('commands: report', () => {
    it('stores a report with canonical values; refuses self, strangers, bad values, floods', () => {
        const h = setup()
        const out = ok(h.command('u2', { type: 'reportUser', userId: 'u3', optionValues: 'reason=spamming' }))
        assert.deepEqual(out.effects, [{ type: 'report', reporterId: 'u2', targetId: 'u3', optionValues: 'type=report&reason=spamming&comment=' }])
        assert.deepEqual(
            notices(out).map((n) => [n.key, n.to]),
            [['report.received', { only: ['u2'] }]],
        )
        refused(h.command('u2', { type: 'reportUser', userId: 'u2', optionValues: '' }), 'u2', /yourself/, false)
        refused(h.command('u2', { type: 'reportUser', userId: 'zz', optionValues: '' }), 'u2', /no such/, false)
        refused(h.command('u2', { type: 'reportUser', userId: 'u3', optionValues: 'reason=x' }), 'u2', /invalid/, false)
        refused(h.command('u2', { type: 'reportUser', userId: 'u3' }), 'u2', /malformed/, false)
        ok(h.command('u2', { type: 'reportUser', userId: 'u1', optionValues: '' }))
        ok(h.command('u2', { type: 'reportUser', userId: 'u1', optionValues: '' }))
        refused(h.command('u2', { type: 'reportUser', userId: 'u1', optionValues: '' }), 'u2', /too many/, false)
    })
})
