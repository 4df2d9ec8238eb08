import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { events, Harness, level, notices, sampleResult } from './harness.js'

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
