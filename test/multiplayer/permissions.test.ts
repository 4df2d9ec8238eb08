// The permission matrix: every command, from each role, in each room status.
// u1 is master, u2 is lead, u3 and u4 are players; u3 and u4 have suggestions. In preparing u3 is
// ready; in playing u3 and u4 play the round.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { RoomStatus } from '@sonolus/core'
import { level, levelItem, sampleResult } from '../helpers/gameplay.js'
import { Harness } from './harness.js'

type Actor = 'u1' | 'u2' | 'u3' | 'u4'
const actors: Actor[] = ['u1', 'u2', 'u3', 'u4']
const statuses: RoomStatus[] = ['selecting', 'preparing', 'playing']

function room(status: RoomStatus): Harness {
    const h = new Harness({ limits: { correction: { burst: 1000, windowMs: 1000 } } })
    for (const id of actors) h.join(id)
    h.command('u1', { type: 'updateLead', lead: 'u2' })
    h.command('u3', { type: 'addSuggestion', level: level('s3') })
    h.command('u4', { type: 'addSuggestion', level: level('s4') })
    h.command('u2', { type: 'updateLevel', level: level('song') })
    if (status === 'selecting') return h
    h.command('u2', { type: 'updateStatus', status: 'preparing' })
    h.command('u3', { type: 'updateUserStatus', status: 'ready' })
    if (status === 'preparing') return h
    h.command('u4', { type: 'updateUserStatus', status: 'ready' })
    h.command('u1', { type: 'updateStatus', status: 'playing' })
    assert.equal(h.room.view.status, 'playing')
    return h
}

const master = (a: Actor) => a === 'u1'
const lead = (a: Actor) => a === 'u2'

type Case = {
    name: string
    command: (h: Harness, actor: Actor) => unknown
    allowed: (actor: Actor, status: RoomStatus) => boolean
    /** The client is in gameplay for this command (start/finish). */
    gameplay?: 'start' | 'finish'
}

const s3 = { userId: 'u3', level: level('s3') }
const s4 = { userId: 'u4', level: level('s4') }

const cases: Case[] = [
    { name: 'updateMaster', command: () => ({ type: 'updateMaster', master: 'u4' }), allowed: master },
    { name: 'updateLead', command: () => ({ type: 'updateLead', lead: 'u4' }), allowed: master },
    { name: 'removeUser', command: (_, a) => ({ type: 'removeUser', userId: a === 'u4' ? 'u3' : 'u4' }), allowed: master },
    { name: 'updateOptionValues', command: () => ({ type: 'updateOptionValues', optionValues: 'scoring=wins' }), allowed: master },
    { name: 'resetScoreboard', command: () => ({ type: 'resetScoreboard' }), allowed: master },
    { name: 'updateLevel', command: () => ({ type: 'updateLevel', level: level('other') }), allowed: (a, s) => lead(a) && s === 'selecting' },
    {
        name: 'updateLevelOption',
        command: () => ({ type: 'updateLevelOption', levelOption: { index: 1, value: 2 } }),
        allowed: (a, s) => lead(a) && s === 'selecting',
    },
    { name: 'updateAutoExit', command: () => ({ type: 'updateAutoExit', autoExit: 'pass' }), allowed: (a, s) => lead(a) && s === 'selecting' },
    { name: 'updateIsSuggestionsLocked', command: () => ({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked: true }), allowed: lead },
    { name: 'clearSuggestions', command: () => ({ type: 'clearSuggestions' }), allowed: lead },
    { name: 'removeSuggestion', command: () => ({ type: 'removeSuggestion', suggestion: s3 }), allowed: (a) => lead(a) || a === 'u3' },
    { name: 'swapSuggestions', command: () => ({ type: 'swapSuggestions', suggestionA: s3, suggestionB: s4 }), allowed: lead },
    { name: 'addSuggestion', command: () => ({ type: 'addSuggestion', level: level('new') }), allowed: () => true },
    {
        name: 'updateStatus → preparing',
        command: () => ({ type: 'updateStatus', status: 'preparing' }),
        allowed: (a, s) => s === 'preparing' || (lead(a) && s === 'selecting'),
    },
    {
        name: 'updateStatus → selecting',
        command: () => ({ type: 'updateStatus', status: 'selecting' }),
        allowed: (a, s) => s === 'selecting' || (s === 'preparing' ? lead(a) : master(a)),
    },
    {
        name: 'updateStatus → playing',
        command: () => ({ type: 'updateStatus', status: 'playing' }),
        allowed: (a, s) => s === 'playing' || (s === 'preparing' && master(a)),
    },
    { name: 'updateUserStatus ready', command: () => ({ type: 'updateUserStatus', status: 'ready' }), allowed: (_, s) => s === 'preparing' },
    { name: 'updateUserStatus skipped', command: () => ({ type: 'updateUserStatus', status: 'skipped' }), allowed: (_, s) => s === 'preparing' },
    {
        name: 'startGameplay',
        command: (h) => ({ type: 'startGameplay', state: h.room.round?.state ?? 'none', level: levelItem('song') }),
        allowed: (a, s) => s === 'playing' && (a === 'u3' || a === 'u4'),
        gameplay: 'start',
    },
    {
        name: 'finishGameplay',
        command: (h) => ({ type: 'finishGameplay', state: h.room.round?.state ?? 'none', result: sampleResult(100) }),
        allowed: (a, s) => s === 'playing' && (a === 'u3' || a === 'u4'),
        gameplay: 'finish',
    },
    { name: 'addChatMessage', command: () => ({ type: 'addChatMessage', nonce: 1, message: { type: 'text', value: 'hi' } }), allowed: () => true },
    { name: 'reportUser', command: (_, a) => ({ type: 'reportUser', userId: a === 'u1' ? 'u2' : 'u1', optionValues: '' }), allowed: () => true },
]

describe('permission matrix', () => {
    for (const c of cases) {
        for (const status of statuses) {
            for (const actor of actors) {
                const expected = c.allowed(actor, status)
                it(`${c.name} by ${actor} while ${status}: ${expected ? 'accepted' : 'refused'}`, () => {
                    const h = room(status)
                    const client = h.client(actor)
                    if (c.gameplay === 'start' || c.gameplay === 'finish') client.model.startGameplay()
                    if (c.gameplay === 'finish') client.model.finishGameplay()
                    const out = h.command(actor, c.command(h, actor))
                    assert.equal(out.ignored === undefined, expected, `ignored: ${out.ignored}`)
                    if (c.gameplay === 'start') {
                        client.model.finishGameplay()
                        h.command(actor, { type: 'finishGameplay', state: h.room.round?.state ?? 'none', result: sampleResult(1) })
                    }
                    h.settle()
                    h.assertConverged()
                })
            }
        }
    }
})
