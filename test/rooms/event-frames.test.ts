// eventFrame writes RoomUsers straight into the frame: its frames must be the very JSON values
// JSON.stringify gives, for every event a room sends and for RoomUsers of any shape, and a RoomUser
// replaced by a new object must never show its old text.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Event } from '@sonolus/core'
import { snapshot } from '../../src/multiplayer/index.js'
import { eventFrame } from '../../src/rooms/event-frames.js'
import { level, sampleResult } from '../helpers/gameplay.js'
import { events, Harness } from '../multiplayer/harness.js'

const same = (event: Event) => assert.deepEqual(JSON.parse(eventFrame(event).toString()), JSON.parse(JSON.stringify(event)), event.type)

describe('eventFrame', () => {
    it('gives the same JSON as JSON.stringify for every event of joins, a round, a leave and a rejoin', () => {
        const h = new Harness()
        const sent: Event[] = []
        const keep = (output: Parameters<typeof events>[0] | undefined) => output && sent.push(...events(output))
        for (const id of ['u1', 'u2', 'u3', 'u4']) keep(h.join(id))
        const lead = h.room.view.lead!
        keep(h.command(lead, { type: 'updateLevel', level: level('song') }))
        keep(h.command(lead, { type: 'updateStatus', status: 'preparing' }))
        for (const id of ['u1', 'u2', 'u3', 'u4']) keep(h.command(id, { type: 'updateUserStatus', status: 'ready' }))
        keep(h.command(h.room.view.master!, { type: 'updateStatus', status: 'playing' }))
        for (const id of ['u1', 'u2', 'u3', 'u4']) keep(h.startGameplay(id))
        for (const [id, score] of [
            ['u1', 5],
            ['u2', 7],
            ['u3', 9],
            ['u4', 1],
        ] as const)
            keep(h.finishGameplay(id, sampleResult(score * 100, score)))
        keep(h.leave('u2'))
        keep(h.rejoin('u3', { freshUser: true, name: 'Renamed' }))
        const types = new Set(sent.map((e) => e.type))
        for (const type of ['update', 'addUser', 'removeUser', 'updateUsers']) assert.ok(types.has(type as Event['type']), `no ${type} seen`)
        for (const event of sent) same(event)
        same(snapshot(h.room))
    })

    it('an update with no users, and text that looks like the users key, stay exact', () => {
        const h = new Harness()
        h.join('u1')
        const event = snapshot(h.room)
        same({ ...event, users: [] })
        same({ ...event, title: '"users":[] "user":null}' })
        same({ ...event, title: 'ルーム ✓ \u2028' })
    })

    it('a RoomUser that is not two base64 strings goes through JSON.stringify', () => {
        const h = new Harness()
        h.join('u1')
        const event = snapshot(h.room)
        const user = event.users[0]!
        for (const odd of [
            { ...user, signature: 'quote " and \\ backslash' },
            { ...user, authentication: 'ünïcode ✓' },
            { ...user, extra: 1 } as typeof user,
        ]) {
            same({ ...event, users: [user, odd, user] })
            same({ type: 'addUser', user: odd })
        }
    })

    it('a RoomUser replaced by a new object is written anew', () => {
        const h = new Harness()
        h.join('u1')
        const before = snapshot(h.room)
        eventFrame(before)
        const user = before.users[0]!
        const changed = { ...user, signature: 'changed' }
        const frame = JSON.parse(eventFrame({ ...before, users: [changed] }).toString()) as typeof before
        assert.equal(frame.users[0]!.signature, 'changed')
    })
})
