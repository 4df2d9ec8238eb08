import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Delivery, EngineOutput } from '../../src/multiplayer/index.js'
import { level, sampleResult } from '../helpers/gameplay.js'
import { events, Harness, notices } from './harness.js'

function deliveries(output: EngineOutput): Delivery[] {
    return output.out.filter((i): i is Delivery => !('kind' in i))
}

function ready(h: Harness, players: string[]): void {
    h.command(h.room.view.lead!, { type: 'updateLevel', level: level('song') })
    h.command(h.room.view.lead!, { type: 'updateStatus', status: 'preparing' })
    for (const id of players) h.command(id, { type: 'updateUserStatus', status: 'ready' })
}

describe('joining', () => {
    it('the creator becomes master and lead; the joiner gets a snapshot, the others AddUserEvent', () => {
        const h = new Harness()
        const first = h.join('u1')
        assert.deepEqual(
            deliveries(first).map((d) => [d.event.type, d.to]),
            [
                ['addUser', { except: 'u1' }],
                ['updateMaster', { except: 'u1' }],
                ['updateLead', { except: 'u1' }],
                ['update', { only: ['u1'] }],
            ],
        )
        assert.deepEqual(
            notices(first).map((n) => n.key),
            ['user.joined'],
        )
        const second = h.join('u2', { name: 'Bob' })
        assert.deepEqual(
            deliveries(second).map((d) => [d.event.type, d.to]),
            [
                ['addUser', { except: 'u2' }],
                ['update', { only: ['u2'] }],
            ],
        )
        assert.deepEqual(notices(second)[0]!.params, { name: 'Bob' })
        assert.equal(h.room.view.master, 'u1')
        assert.deepEqual(h.room.view.userStatuses, [
            { userId: 'u1', status: 'waiting' },
            { userId: 'u2', status: 'waiting' },
        ])
        h.assertConverged()
    })
    it('someone arriving before the creator holds the roles until the creator’s first join', () => {
        const h = new Harness({ creatorId: 'boss' })
        h.join('u1')
        assert.equal(h.room.view.master, 'u1')
        const out = h.join('boss')
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['addUser', 'updateMaster', 'updateLead', 'update'],
        )
        assert.equal(h.room.view.master, 'boss')
        assert.equal(h.room.view.lead, 'boss')
        h.command('boss', { type: 'updateMaster', master: 'u1' })
        h.leave('boss')
        h.join('boss')
        assert.equal(h.room.view.master, 'u1', 'only the first join of the creator takes the roles')
        h.assertConverged()
    })
    it('a full room refuses; a member joining again is a rejoin', () => {
        const h = new Harness({ maxPlayers: 2 })
        h.join('u1')
        h.join('u2')
        assert.match(h.join('u3').ignored!, /full/)
        assert.equal(h.room.members.has('u3'), false)
        h.clients.delete('u3')
        const again = h.join('u2')
        assert.equal(again.ignored, undefined)
        assert.equal(events(again, 'addUser').length, 0)
        h.assertConverged()
    })
    it('joiners during a round wait and can chat; they get no StartRoundEvent', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        ready(h, ['u1'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        h.join('u3')
        assert.equal(h.client('u3').model.view!.status, 'playing')
        assert.equal(h.client('u3').model.roundStarted, null)
        h.chat('u3', 'hello')
        h.assertConverged()
    })
})

describe('rejoining', () => {
    it('with the same RoomUser: just a snapshot', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        h.disconnect('u2')
        h.command('u1', { type: 'updateLevel', level: level('missed') })
        const out = h.rejoin('u2', { freshUser: false })
        assert.deepEqual(
            deliveries(out).map((d) => [d.event.type, d.to]),
            [['update', { only: ['u2'] }]],
        )
        assert.deepEqual(h.view('u2').level, level('missed'))
        h.assertConverged()
    })
    it('with a fresh RoomUser: the others get UpdateUsersEvent with the entry replaced', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        h.advance(60_000)
        const out = h.rejoin('u2', { name: 'New name' })
        assert.deepEqual(
            deliveries(out).map((d) => [d.event.type, d.to]),
            [
                ['updateUsers', { except: 'u2' }],
                ['update', { only: ['u2'] }],
            ],
        )
        assert.equal(h.room.members.get('u2')!.name, 'New name')
        h.assertConverged()
    })
    it('a readied player who reconnects during the round gets the same StartRoundEvent again', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        ready(h, ['u1', 'u2'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        const original = h.client('u2').model.roundStarted
        h.disconnect('u2')
        const out = h.rejoin('u2')
        assert.deepEqual(
            deliveries(out).map((d) => d.event.type),
            ['updateUsers', 'update', 'startRound'],
        )
        assert.deepEqual(h.client('u2').model.roundStarted, original)
        h.startGameplay('u2')
        h.finishGameplay('u2', sampleResult(5))
        h.assertConverged()
    })
    it('is ignored for non-members and for another user’s RoomUser', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        assert.match(h.rejoin('zz').ignored!, /not a member/)
        h.clients.delete('zz')
    })
})

describe('leaving', () => {
    it('removes the player explicitly from statuses first, then RemoveUserEvent; roles pass on', () => {
        const h = new Harness()
        h.join('u1')
        h.join('u2')
        h.join('u3')
        const out = h.leave('u1')
        assert.deepEqual(
            deliveries(out).map((d) => [d.event.type, d.to]),
            [
                ['updateUserStatuses', { except: 'u1' }],
                ['removeUser', 'all'],
                ['updateMaster', 'all'],
                ['updateLead', 'all'],
            ],
        )
        assert.deepEqual(
            notices(out).map((n) => n.key),
            ['user.left', 'role.master', 'role.lead'],
        )
        assert.equal(h.room.view.master, 'u2')
        assert.equal(h.room.view.lead, 'u2')
        h.assertConverged()
    })
    it('master and lead pass separately to the longest-present member', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2', 'u3', 'u4']) h.join(id)
        h.command('u1', { type: 'updateLead', lead: 'u3' })
        h.leave('u3')
        assert.equal(h.room.view.lead, 'u1')
        h.command('u1', { type: 'updateMaster', master: 'u4' })
        h.leave('u4')
        assert.equal(h.room.view.master, 'u1')
        h.leave('u1')
        assert.equal(h.room.view.master, 'u2')
        assert.equal(h.room.view.lead, 'u2')
        h.assertConverged()
    })
    it('the last one out leaves no roles; the next one in takes them', () => {
        const h = new Harness()
        h.join('u1')
        h.leave('u1', 'expired')
        assert.equal(h.room.view.master, null)
        assert.equal(h.room.view.lead, null)
        h.join('u2')
        assert.equal(h.room.view.master, 'u2')
        assert.equal(h.room.view.lead, 'u2')
        h.assertConverged()
    })
    it('results and scores of a leaver go, and a round with nobody left playing ends', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2', 'u3']) h.join(id)
        ready(h, ['u1', 'u2', 'u3'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        for (const id of ['u1', 'u2', 'u3']) h.startGameplay(id)
        h.finishGameplay('u2', sampleResult(500))
        assert.equal(h.room.view.results.length, 1)
        h.leave('u2')
        assert.deepEqual(h.room.view.results, [])
        assert.deepEqual(h.room.view.scoreboardSections[0]!.scores, [])
        h.leave('u3')
        assert.equal(h.room.view.status, 'playing')
        const out = h.leave('u1')
        assert.equal(h.room.view.status, 'selecting')
        assert.ok(out.effects.some((e) => e.type === 'roundFinished'))
    })
    it('a leaving ready player ends the round when nobody else is ready or playing', () => {
        const h = new Harness()
        for (const id of ['u1', 'u2']) h.join(id)
        ready(h, ['u2'])
        h.command('u1', { type: 'updateStatus', status: 'playing' })
        const out = h.leave('u2')
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['updateUserStatuses', 'removeUser', 'updateStatus'],
        )
        assert.equal(h.room.view.status, 'selecting')
        h.assertConverged()
    })
    it('is ignored for non-members', () => {
        const h = new Harness()
        h.join('u1')
        assert.match(h.leave('zz').ignored!, /not a member/)
    })
})
