// A snapshot (the UpdateEvent a joiner gets) must not change when the room changes after it: the live
// room may still hold it (the event feed, a frame not yet serialized), and the reducers change the view's
// arrays and scoreboard sections in place.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { applyEvent, snapshot } from '../../src/multiplayer/index.js'
import { level, sampleResult } from '../helpers/gameplay.js'
import { Harness } from './harness.js'

describe('snapshot', () => {
    it('is not reached by any later change to the room', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2', 'u3']) h.join(id)
        const lead = h.room.view.lead!
        h.command(lead, { type: 'updateLevel', level: level('song') })
        const taken = snapshot(h.room)
        const then = JSON.stringify(taken)

        // A round: statuses, results, scoreboard scores inserted and moved in place.
        h.command(lead, { type: 'updateStatus', status: 'preparing' })
        for (const id of ['u1', 'u2', 'u3']) h.command(id, { type: 'updateUserStatus', status: 'ready' })
        h.command(h.room.view.master!, { type: 'updateStatus', status: 'playing' })
        for (const id of ['u1', 'u2', 'u3']) h.startGameplay(id)
        for (const [id, score] of [
            ['u1', 500],
            ['u2', 700],
            ['u3', 900],
        ] as const)
            h.finishGameplay(id, sampleResult(score, score / 10))
        // A user gone and one more.
        h.leave('u2')
        h.join('u4')
        h.assertConverged()
        // The section itself changed in place (straight on the room's view: no player is told).
        applyEvent(h.room.view, { type: 'updateScoreboardSectionTitle', index: 0, title: 'renamed' })
        applyEvent(h.room.view, { type: 'updateScoreboardSectionIcon', index: 0, icon: 'star' })

        assert.notEqual(JSON.stringify(snapshot(h.room)), then, 'the room did change')
        assert.equal(JSON.stringify(taken), then)
    })
})
