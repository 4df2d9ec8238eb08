import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { level, sampleResult } from '../helpers/gameplay.js'
import { events, Harness, notices } from './harness.js'

describe('a full round with three players', () => {
    it('selects, readies, starts, plays, scores and finishes by itself', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        h.join('u3')
        assert.equal(h.room.view.master, 'u1')
        assert.equal(h.room.view.lead, 'u1')

        h.command('u1', { type: 'updateLevel', level: level('song-a') })
        assert.deepEqual(h.room.view.level, level('song-a'))
        h.command('u1', { type: 'updateStatus', status: 'preparing' })
        assert.equal(h.room.view.status, 'preparing')

        h.command('u1', { type: 'updateUserStatus', status: 'ready' })
        h.command('u2', { type: 'updateUserStatus', status: 'ready' })
        h.command('u3', { type: 'updateUserStatus', status: 'skipped' })

        const start = h.command('u1', { type: 'updateStatus', status: 'playing' })
        assert.equal(start.ignored, undefined)
        const types = events(start).map((e) => e.type)
        assert.deepEqual(types, ['updateUserStatuses', 'updateStatus', 'startRound'])
        const startRound = start.out.find((i) => !('kind' in i) && i.event.type === 'startRound')!
        assert.deepEqual(startRound.to, { only: ['u1', 'u2'] })
        assert.equal(h.client('u3').model.roundStarted, null)
        assert.ok(h.client('u1').model.roundStarted)
        assert.deepEqual(h.client('u1').model.roundStarted, h.client('u2').model.roundStarted)
        assert.deepEqual(
            h.room.view.userStatuses.map((s) => s.status),
            ['ready', 'ready', 'waiting'],
        )

        h.startGameplay('u1')
        h.startGameplay('u2')
        assert.equal(h.client('u1').model.phase, 'suspended')
        assert.deepEqual(
            h.room.view.userStatuses.map((s) => s.status),
            ['playing', 'playing', 'waiting'],
        )

        const f2 = h.finishGameplay('u2', sampleResult(900_000))!
        assert.equal(f2.ignored, undefined)
        assert.equal(h.client('u2').model.phase, 'active')
        assert.equal(h.room.view.results.length, 1)
        assert.deepEqual(h.room.view.scoreboardSections[0]!.scores, [{ userId: 'u2', value: '900,000' }])
        assert.equal(h.room.view.status, 'playing')

        const f1 = h.finishGameplay('u1', sampleResult(1_000_000))!
        assert.deepEqual(
            events(f1).map((e) => e.type),
            ['addResult', 'insertScoreboardSectionScore', 'updateUserStatus', 'updateStatus', 'update'],
        )
        assert.equal(h.room.view.status, 'selecting')
        assert.deepEqual(h.room.view.scoreboardSections[0]!.scores, [
            { userId: 'u1', value: '1,000,000' },
            { userId: 'u2', value: '900,000' },
        ])
        assert.ok(notices(f1).some((n) => n.key === 'round.finished'))
        assert.ok(f1.effects.some((e) => e.type === 'roundFinished'))
        h.assertConverged()
    })
})

function prepared(h: Harness, ready: string[], skipped: string[] = []): void {
    h.command('u1', { type: 'updateLevel', level: level('song-b') })
    h.command('u1', { type: 'updateStatus', status: 'preparing' })
    for (const id of ready) h.command(id, { type: 'updateUserStatus', status: 'ready' })
    for (const id of skipped) h.command(id, { type: 'updateUserStatus', status: 'skipped' })
}

describe('rounds', () => {
    it('the master may finish early; players still in gameplay come back to a fresh state', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2', 'u3']) h.join(id)
        prepared(h, ['u1', 'u2', 'u3'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        const state = h.room.round!.state
        h.startGameplay('u2')
        h.startGameplay('u3')
        h.finishGameplay('u3', sampleResult(42))
        const finish = h.command('u1', { type: 'updateStatus', status: 'selecting' })
        assert.deepEqual(
            events(finish).map((e) => e.type),
            ['updateUserStatuses', 'updateStatus'],
        )
        assert.ok(h.room.view.userStatuses.every((s) => s.status === 'waiting'))
        assert.deepEqual(
            h.room.view.results.map((r) => r.userId),
            ['u3'],
            'results stay visible until the next round',
        )
        assert.equal(h.client('u1').model.roundStarted, null)
        // u2 was still playing: their finish is stale, but they get the state back.
        const late = h.finishGameplay('u2', sampleResult(100), state)!
        assert.match(late.ignored!, /stale/)
        assert.equal(events(late, 'addResult').length, 0)
        assert.equal(h.client('u2').model.phase, 'active')
        // A stale start is ignored too.
        assert.match(h.command('u1', { type: 'startGameplay', state, level: {} }).ignored!, /stale/)
        h.assertConverged()
    })
    it('each round gets a new state; the previous state is stale in the next round', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2']) h.join(id)
        prepared(h, ['u1'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        const first = h.room.round!.state
        h.startGameplay('u1')
        h.finishGameplay('u1', sampleResult(1))
        prepared(h, ['u1', 'u2'])
        const start = h.command('u1', { type: 'updateStatus', status: 'playing' })
        assert.ok(start.effects.some((e) => e.type === 'roundStarted' && e.round === 2))
        const second = h.room.round!.state
        assert.notEqual(first, second)
        assert.match(h.command('u2', { type: 'startGameplay', state: first, level: {} }).ignored!, /stale/)
        assert.deepEqual(h.room.view.results, [], 'results are emptied when the next round starts')
        h.startGameplay('u1')
        h.startGameplay('u2')
        h.client('u1').model.finishGameplay()
        assert.match(h.command('u1', { type: 'finishGameplay', state: first, result: sampleResult(1) }).ignored!, /stale/)
        h.client('u1').model.startGameplay()
        h.finishGameplay('u1', sampleResult(3))
        h.finishGameplay('u2', sampleResult(2))
        assert.equal(h.room.view.status, 'selecting')
        h.assertConverged()
    })
    it('skipped players are set waiting explicitly before the room plays, and receive no StartRoundEvent', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2', 'u3']) h.join(id)
        prepared(h, ['u1'], ['u2'])
        const start = h.command('u1', { type: 'updateStatus', status: 'playing' })
        const statuses = events(start)[0]!
        assert.deepEqual(statuses, {
            type: 'updateUserStatuses',
            userStatuses: [
                { userId: 'u1', status: 'ready' },
                { userId: 'u2', status: 'waiting' },
                { userId: 'u3', status: 'waiting' },
            ],
        })
        assert.equal(
            h.client('u2').received.some((e) => e.type === 'startRound'),
            false,
        )
        assert.equal(
            h.client('u3').received.some((e) => e.type === 'startRound'),
            false,
        )
        assert.ok(notices(start).some((n) => n.key === 'round.started' && n.params.count === 1))
    })
    it('every readied client receives the very same StartRoundEvent (state and seed)', () => {
        const h = new Harness({ seed: 99 })
        for (const id of ['u1', 'u2', 'u3', 'u4']) h.join(id)
        prepared(h, ['u1', 'u2', 'u4'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        const rounds = ['u1', 'u2', 'u4'].map((id) => h.client(id).model.roundStarted)
        assert.ok(rounds[0])
        assert.ok(rounds[0]!.seed >= 0 && rounds[0]!.seed < 1)
        for (const r of rounds) assert.deepEqual(r, rounds[0])
    })
    it('the round summary names the players by score and the effect carries the results', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2']) h.join(id)
        prepared(h, ['u1', 'u2'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        h.startGameplay('u1')
        h.startGameplay('u2')
        h.finishGameplay('u1', sampleResult(10))
        const last = h.finishGameplay('u2', sampleResult(20))!
        const summary = notices(last).find((n) => n.key === 'round.finished')!
        assert.deepEqual(summary.params, { round: 1, ranking: '1. Player u2 (20), 2. Player u1 (10)', more: 0 })
        const effect = last.effects.find((e) => e.type === 'roundFinished')
        assert.ok(effect && effect.type === 'roundFinished' && effect.results.length === 2)
    })
    it('a player who joined after the start cannot take part', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2']) h.join(id)
        prepared(h, ['u1'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        h.join('u3')
        const state = h.room.round!.state
        assert.match(h.command('u3', { type: 'startGameplay', state, level: {} }).ignored!, /not ready/)
        h.client('u3').model.finishGameplay()
        assert.match(h.command('u3', { type: 'finishGameplay', state, result: sampleResult(5) }).ignored!, /not in this round/)
        assert.equal(h.room.view.results.length, 0)
        h.assertConverged()
    })
})
