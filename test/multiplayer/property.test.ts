// Random and hostile command streams against one room and up to 8 clients: no client may ever see an
// event it rejects, the engine may never throw, and at the end every client holds the room's state.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { RoomStatus, UserStatus } from '@sonolus/core'
import { commandTypes } from '../../src/multiplayer/index.js'
import { level, levelItem, sampleResult } from '../helpers/gameplay.js'
import { Harness } from './harness.js'
import { assertInternal } from './invariants.js'

type Action = { kind: number; a: number; b: number; c: number; junk: unknown; text: string }

const actionArb: fc.Arbitrary<Action> = fc.record({
    kind: fc.nat(99),
    a: fc.nat(1000),
    b: fc.nat(1000),
    c: fc.nat(1000),
    junk: fc.oneof(
        { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
        { weight: 1, arbitrary: fc.string({ minLength: 0, maxLength: 20 }).map((s) => s.repeat(500)) },
        { weight: 1, arbitrary: fc.constantFrom(null, -1, Number.POSITIVE_INFINITY, Number.MAX_VALUE, '', '0', [], {}, { __proto__: null }) },
    ),
    text: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
            '/help',
            '/roll',
            '/roll 6',
            '/roll x',
            '/random',
            '/lock',
            '/unlock',
            '/title New',
            '/kick Player u2',
            '/kick 3',
            '/nope',
            '/title ',
        ),
    ),
})

const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8']
const roomStatuses: RoomStatus[] = ['selecting', 'preparing', 'playing']
const userStatuses: UserStatus[] = ['waiting', 'ready', 'skipped', 'playing']
const optionValueSamples = [
    'type=room&scoring=arcade&teams=none&suggestionsPerPlayer=5',
    'type=room&scoring=wins&teams=2&suggestionsPerPlayer=3',
    'type=room&scoring=accuracy&teams=3&suggestionsPerPlayer=1',
    'scoring=arcade&teams=4',
    'type=room&teams=2',
    'type=other',
    'scoring=nope',
    'type=room&teams=2&teams=3',
    'junk=1',
    'suggestionsPerPlayer=0.5',
]

function pick<T>(list: readonly T[], n: number): T {
    return list[n % list.length]!
}

function run(seed: number, actions: Action[]): number {
    const h = new Harness({ seed, record: false, allowOtherServers: seed % 2 === 0, audience: seed % 3 === 0 ? 'final' : 'perEvent' })
    h.join('u1')
    for (const action of actions) {
        h.advance(1 + (action.c % 3000))
        step(h, action)
        assertInternal(h.room)
    }
    // Let every client come back from gameplay, then flush what the rate limits held back.
    for (const client of [...h.clients.values()]) {
        if (client.connected && client.model.phase === 'suspended') h.finishGameplay(client.id, sampleResult(1000))
    }
    h.settle()
    h.assertConverged()
    return h.commands
}

function step(h: Harness, action: Action): void {
    const members = [...h.room.members.keys()]
    const actor = members.length > 0 ? pick(members, action.a) : undefined
    const kind = action.kind
    if (kind < 4 || !actor) {
        const absent = ids.filter((id) => !h.room.members.has(id))
        if (absent.length > 0) h.join(pick(absent, action.b), { locale: action.c % 2 ? 'ja' : 'en' })
        return
    }
    if (kind < 6) {
        h.leave(actor, pick(['left', 'kicked', 'expired'] as const, action.b))
        return
    }
    if (kind < 7) {
        h.disconnect(actor)
        return
    }
    if (kind < 9) {
        h.rejoin(actor, { freshUser: action.b % 2 === 0, name: action.c % 5 === 0 ? `Renamed ${actor}` : `Player ${actor}` })
        return
    }
    if (kind < 11) {
        h.advance(action.b * 50)
        h.tick()
        return
    }
    if (kind < 41) {
        progress(h, action, members)
        return
    }
    const client = h.clients.get(actor)
    if (kind < 51) {
        gameplay(h, actor, action)
        return
    }
    if (kind < 59) {
        // Hostile: garbage or a known type with garbage fields.
        const junk = action.junk
        const fields = typeof junk === 'object' && junk !== null && !Array.isArray(junk) ? junk : { value: junk }
        const raw = action.b % 3 === 0 ? junk : { type: pick(commandTypes, action.c), ...fields }
        if (raw !== undefined && client?.model.phase !== 'suspended') h.command(actor, raw)
        return
    }
    if (client?.model.phase === 'suspended') return
    h.command(actor, plausibleCommand(h, actor, action))
}

/** Gameplay as an honest app does it: start the round it was told to, finish what it plays. */
function gameplay(h: Harness, actor: string, action: Action): void {
    const client = h.clients.get(actor)
    if (!client?.connected) return
    if (client.model.phase === 'active' && client.model.roundStarted) {
        h.startGameplay(actor)
    } else if (client.model.phase === 'suspended') {
        const stale = action.b % 7 === 0 ? 'stale' : undefined
        h.finishGameplay(actor, sampleResult(action.c * 1000, action.b), stale)
    }
}

/** The next step of a round, by whoever may take it, so that rounds do get played. */
function progress(h: Harness, action: Action, members: string[]): void {
    const view = h.room.view
    const lead = view.lead
    const master = view.master
    const active = (id: string | null): id is string => id !== null && h.clients.get(id)?.model.phase === 'active'
    if (view.status === 'selecting') {
        if (!active(lead)) return
        if (view.level === null || action.b % 5 === 0) h.command(lead, { type: 'updateLevel', level: level(`l${action.b % 4}`) })
        else h.command(lead, { type: 'updateStatus', status: 'preparing' })
        return
    }
    if (view.status === 'preparing') {
        const waiting = members.filter((id) => active(id) && view.userStatuses.find((s) => s.userId === id)?.status === 'waiting')
        if (waiting.length > 0 && action.b % 4 !== 0) {
            h.command(pick(waiting, action.c), { type: 'updateUserStatus', status: action.c % 5 === 0 ? 'skipped' : 'ready' })
        } else if (active(master)) {
            h.command(master, { type: 'updateStatus', status: action.b % 9 === 0 ? 'selecting' : 'playing' })
        }
        return
    }
    // Playing: everybody told to start does; those playing finish; now and then the master ends it.
    if (action.b % 23 === 0 && active(master)) {
        h.command(master, { type: 'updateStatus', status: 'selecting' })
        return
    }
    for (const id of members) gameplay(h, id, action)
}

/** A well-formed command, often valid, sometimes out of role, stale or conflicting. */
function plausibleCommand(h: Harness, actor: string, action: Action): unknown {
    const view = h.room.view
    const someone = pick([...ids], action.b)
    const suggestion = view.suggestions.length > 0 ? pick(view.suggestions, action.b) : { userId: actor, level: level(`s${action.b % 5}`) }
    const levelAddress = action.c % 5 === 0 ? 'https://elsewhere.test' : undefined
    const type = pick(commandTypes, action.kind + action.c)
    switch (type) {
        case 'addChatMessage':
            return action.b % 4 === 0
                ? {
                      type: 'addChatMessage',
                      nonce: action.c,
                      message: { userId: someone, type: 'quick', value: pick(['hello', 'gg', 'bad'], action.b) },
                  }
                : { type: 'addChatMessage', nonce: action.c, message: { userId: someone, type: 'text', value: action.text } }
        case 'addSuggestion':
            return { type: 'addSuggestion', level: level(`s${action.b % 6}`, levelAddress) }
        case 'clearSuggestions':
            return { type: 'clearSuggestions' }
        case 'finishGameplay':
            return { type: 'finishGameplay', state: h.room.round?.state ?? 'x', result: sampleResult(action.b) }
        case 'removeSuggestion':
            return { type: 'removeSuggestion', suggestion }
        case 'removeUser':
            return { type: 'removeUser', userId: someone }
        case 'reportUser':
            return { type: 'reportUser', userId: someone, optionValues: pick(['', 'type=report&reason=spamming', 'reason=bad'], action.b) }
        case 'resetScoreboard':
            return { type: 'resetScoreboard' }
        case 'startGameplay':
            return { type: 'startGameplay', state: action.b % 2 ? (h.room.round?.state ?? 'x') : 'stale', level: levelItem('x') }
        case 'swapSuggestions':
            return {
                type: 'swapSuggestions',
                suggestionA: suggestion,
                suggestionB: view.suggestions.length > 0 ? pick(view.suggestions, action.c) : suggestion,
            }
        case 'updateAutoExit':
            return { type: 'updateAutoExit', autoExit: pick(['off', 'pass', 'fullCombo', 'allPerfect'], action.b) }
        case 'updateIsSuggestionsLocked':
            return { type: 'updateIsSuggestionsLocked', isSuggestionsLocked: action.b % 2 === 0 }
        case 'updateLead':
            return { type: 'updateLead', lead: someone }
        case 'updateLevel':
            return { type: 'updateLevel', level: level(`l${action.b % 4}`, levelAddress) }
        case 'updateLevelOption':
            return { type: 'updateLevelOption', levelOption: { index: action.b % 6, value: action.c / 10 } }
        case 'updateMaster':
            return { type: 'updateMaster', master: someone }
        case 'updateOptionValues':
            return { type: 'updateOptionValues', optionValues: pick(optionValueSamples, action.b) }
        case 'updateStatus':
            return { type: 'updateStatus', status: pick(roomStatuses, action.b) }
        case 'updateUserStatus':
            return { type: 'updateUserStatus', status: pick(userStatuses, action.b) }
    }
    // Every command type has a case above: a new command without one does not compile.
    const missing: never = type
    return missing
}

describe('random and hostile command streams', () => {
    it('never make a client fail, never throw, and end with every client in sync', () => {
        let total = 0
        let runs = 0
        const started = Date.now()
        fc.assert(
            fc.property(
                fc.integer({ min: 1, max: 2 ** 31 - 1 }),
                fc.array(actionArb, { minLength: 100, maxLength: 500, size: 'max' }),
                (seed, actions) => {
                    total += run(seed, actions)
                    runs++
                },
            ),
            { numRuns: Number(process.env.ENSEMBLE_PROPERTY_RUNS ?? 100), seed: Number(process.env.ENSEMBLE_PROPERTY_SEED ?? 20240601) },
        )
        const seconds = ((Date.now() - started) / 1000).toFixed(1)
        console.log(`# property: ${runs} runs, ${total} commands in ${seconds} s`)
        assert.ok(total > 0)
    })
})
