// Seeded random and hostile command streams from several real clients over real sockets, with drops,
// returns, leaves and gameplay: no client model may ever raise a fatal error, the server must stay up,
// and at the end every connected client's state must equal a fresh UpdateEvent.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import type { Command, GameplayResult, LevelItem } from '@sonolus/core'
import { commandTypes } from '../../src/multiplayer/index.js'
import type { RoomClient } from '../../client/index.js'
import { connect, converge, hostRoom, startMultiplayerServer, wireCheck, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate, type TestProfile } from '../helpers/sonolus.js'
import { garbageCommands as garbage } from '../wire/items.js'

/** The client calls that send each command of the protocol: a command type without one does not compile. */
const commandKinds = {
    addChatMessage: ['chat', 'quick'],
    addSuggestion: ['suggest'],
    clearSuggestions: ['clearSuggestions'],
    finishGameplay: ['gameplay'],
    removeSuggestion: ['removeSuggestion'],
    removeUser: ['kick'],
    reportUser: ['report'],
    resetScoreboard: ['resetScoreboard'],
    startGameplay: ['gameplay'],
    swapSuggestions: ['swapSuggestions'],
    updateAutoExit: ['autoExit'],
    updateIsSuggestionsLocked: ['lock'],
    updateLead: ['lead'],
    updateLevel: ['selectLevel'],
    updateLevelOption: ['levelOption'],
    updateMaster: ['master'],
    updateOptionValues: ['optionValues'],
    updateStatus: ['status'],
    updateUserStatus: ['userStatus'],
} as const satisfies { [K in Command['type']]: readonly string[] }
/** What a connection does besides sending commands. */
const connectionKinds = ['garbage', 'stale', 'drop', 'return', 'leave'] as const
type Kind = (typeof commandKinds)[Command['type']][number] | (typeof connectionKinds)[number]
// The command list comes from the engine's handler map, so every command the server handles is sent.
const kinds: Kind[] = [...new Set<Kind>([...commandTypes.flatMap((type) => commandKinds[type]), ...connectionKinds])]
type Action = { actor: number; kind: Kind; a: number; b: number }

const action = fc.record({
    actor: fc.nat({ max: 5 }),
    kind: fc.constantFrom(...kinds),
    a: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    b: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
})

const pick = <T>(items: readonly T[], r: number): T | undefined => items[Math.floor(r * items.length)]
const levels = ['alpha', 'beta', 'gamma', 'delta'].map((name) => ({ address: 'https://levels.example.com', name }))
const result = (r: number): GameplayResult => ({
    grade: pick(['allPerfect', 'fullCombo', 'pass', 'fail'] as const, r)!,
    arcadeScore: Math.floor(r * 1_000_000),
    accuracyScore: r,
    combo: 5,
    perfect: 5,
    great: 0,
    good: 0,
    miss: 0,
    totalCount: 5,
})

type Slot = { profile: TestProfile; session: string; client: RoomClient | undefined; gameplay: string | undefined }

let server: MultiplayerServer
before(async () => (server = await startMultiplayerServer({ reconnectGraceMs: 60_000 })))
after(() => server.close())

let totalCommands = 0
const seen = new Map<string, number>()
/** The client whose model raised a fatal error, with its room: what it last received is reported. */
let failedClient: { client: RoomClient; roomName: string } | undefined

function describeFailure({ client, roomName }: { client: RoomClient; roomName: string }): string {
    const brief = (e: unknown) => JSON.stringify(e).slice(0, 300)
    const room = server.multiplayer.hub.get(roomName)
    return [
        `client ${client.userId} (${client.model.phase}); its last events:`,
        ...client.received.slice(-40).map((e) => `  ${brief(e)}`),
        `its scoreboard: ${brief(client.model.view?.scoreboardSections)}`,
        `the room's scoreboard now: ${brief(room?.snapshot().scoreboardSections)}`,
    ].join('\n')
}

test('random and hostile streams over real sockets never produce an event a client rejects', async () => {
    const seed = Number(process.env.ENSEMBLE_PROPERTY_SEED ?? 20261124)
    await fc.assert(
        fc.asyncProperty(fc.array(action, { minLength: 400, maxLength: 400 }), (actions) =>
            runStream(actions).catch((error: unknown) => {
                // fast-check reports the input; the reason is what a reader needs first.
                console.error(`stream failed: ${error instanceof Error ? error.stack : String(error)}`)
                if (failedClient) console.error(describeFailure(failedClient))
                failedClient = undefined
                throw error
            }),
        ),
        {
            seed,
            numRuns: Number(process.env.ENSEMBLE_PROPERTY_RUNS ?? 20),
            endOnFailure: true,
            // Replays one failed run (the `path` fast-check reports).
            ...(process.env.ENSEMBLE_PROPERTY_PATH ? { path: process.env.ENSEMBLE_PROPERTY_PATH } : {}),
        },
    )
    const kindsSeen = [...seen]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}:${n}`)
        .join(' ')
    console.log(
        `property over real sockets: ${totalCommands} commands from 6 clients, seed ${seed}; ` +
            `${wireCheck.frames} frames checked against the official schemas; events seen ${kindsSeen}`,
    )
    assert.ok(totalCommands > 5000)
    // Every frame went through checkFrame (text, JSON, schema of its type): a bad one is a client's fatal error.
    assert.ok(wireCheck.frames > 1000, `only ${wireCheck.frames} frames were checked`)
    // The stream must reach the interesting states, or it proves little.
    for (const kind of ['startRound', 'addResult', 'removeUser', 'updateMaster', 'addSuggestion', 'addChatMessage']) {
        assert.ok((seen.get(kind) ?? 0) > 0, `no ${kind} event was exercised`)
    }
})

async function runStream(actions: Action[]): Promise<void> {
    const host = await hostRoom(server, {})
    const roomName = host.name
    const slots: Slot[] = [{ profile: host.profile, session: host.session, client: host.client, gameplay: undefined }]
    for (let i = 1; i < 6; i++) {
        const signedIn = await signedAuthenticate(server, makeProfile(`P${i}`))
        slots.push({ profile: signedIn.profile, session: signedIn.session, client: undefined, gameplay: undefined })
    }
    const enter = async (slot: Slot) => {
        const answer = await join(server, roomName, slot.profile, { session: slot.session }).catch(() => undefined)
        if (!answer) return // full, banned for a while after a kick: fine
        const client = await connect(server, roomName, answer, slot.profile).catch(() => undefined)
        if (!client) return
        slot.client = client
        slot.gameplay = undefined
        await client.nextOf('update', 3000).catch(() => undefined)
    }
    for (const slot of slots.slice(1)) await enter(slot)

    const everyClient: RoomClient[] = []
    const track = () => slots.forEach((s) => s.client && !everyClient.includes(s.client) && everyClient.push(s.client))
    for (const act of actions) {
        track()
        // Half of the room-flow commands come from whoever holds the role, so rounds do happen.
        const roleHolder = host.client.model.view?.master ?? slots.find((s) => s.client?.model.view)?.client?.model.view?.master
        const byRole = (act.kind === 'status' || act.kind === 'selectLevel') && act.b < 0.6
        const slot = (byRole && slots.find((s) => s.profile.id === roleHolder)) || slots[act.actor]!
        const client = slot.client
        if (client?.fatal) {
            failedClient = { client, roomName }
            throw client.fatal
        }
        if (!client || !client.isOpen) {
            slot.client = undefined
            if (act.kind === 'return' || act.a < 0.2) await enter(slot)
            continue
        }
        const view = client.model.view
        const users = view?.userStatuses.map((s) => s.userId) ?? []
        totalCommands++
        // Like the app: a readied player told to start plays, and in gameplay sends nothing else
        // until it finishes.
        if (slot.gameplay) {
            if (act.b < 0.5 || act.kind === 'gameplay') {
                client.finishGameplay(slot.gameplay, result(act.a))
                slot.gameplay = undefined
            }
            continue
        }
        if (client.model.roundStarted && act.b < 0.7) {
            slot.gameplay = client.model.roundStarted.state
            client.startGameplay(slot.gameplay, { name: 'x' } as unknown as LevelItem)
            continue
        }
        switch (act.kind) {
            case 'chat':
                client.chat(`msg ${act.a.toFixed(3)}`)
                break
            case 'quick':
                client.quickChat(pick(['hello', 'glhf', 'gg', 'ns', 'ty'] as const, act.a)!)
                break
            case 'suggest':
                client.addSuggestion(pick(levels, act.a)!)
                break
            case 'removeSuggestion': {
                const s = pick(view?.suggestions ?? [], act.a)
                if (s) client.removeSuggestion(s)
                break
            }
            case 'swapSuggestions': {
                const a = pick(view?.suggestions ?? [], act.a)
                const b = pick(view?.suggestions ?? [], act.b)
                if (a && b) client.swapSuggestions(a, b)
                break
            }
            case 'clearSuggestions':
                client.clearSuggestions()
                break
            case 'lock':
                client.lockSuggestions(act.a < 0.5)
                break
            case 'selectLevel':
                client.selectLevel(pick(levels, act.a)!)
                break
            case 'levelOption':
                client.setLevelOption(Math.floor(act.a * 4), Math.floor(act.b * 10))
                break
            case 'autoExit':
                client.setAutoExit(pick(['off', 'pass', 'fullCombo', 'allPerfect'] as const, act.a)!)
                break
            case 'optionValues':
                client.setOptionValues(`scoring=${pick(['arcade', 'accuracy', 'wins'], act.a)}&teams=${pick(['none', '2', '3'], act.b)}`)
                break
            case 'status': {
                // Mostly the next step of the round, sometimes anything at all.
                const next = { selecting: 'preparing', preparing: 'playing', playing: 'selecting' } as const
                const current = view?.status ?? 'selecting'
                if (current === 'selecting' && !view?.level) client.selectLevel(pick(levels, act.a)!)
                if (current === 'playing' && act.a < 0.7) break
                client.setStatus(act.a < 0.85 ? next[current] : pick(['selecting', 'preparing', 'playing'] as const, act.b)!)
                break
            }
            case 'userStatus':
                client.setUserStatus(act.a < 0.6 ? 'ready' : pick(['waiting', 'ready', 'skipped', 'playing'] as const, act.b)!)
                break
            case 'master':
                if (users.length) client.setMaster(pick(users, act.a)!)
                break
            case 'lead':
                if (users.length) client.setLead(pick(users, act.a)!)
                break
            case 'kick':
                if (users.length && act.b < 0.3) client.kick(pick(users, act.a)!)
                break
            case 'report':
                if (users.length) client.report(pick(users, act.a)!, 'reason=spamming')
                break
            case 'resetScoreboard':
                client.resetScoreboard()
                break
            case 'gameplay': {
                const started = client.model.roundStarted
                if (slot.gameplay) {
                    client.finishGameplay(slot.gameplay, result(act.a))
                    slot.gameplay = undefined
                } else if (started) {
                    client.startGameplay(started.state, { name: 'x' } as unknown as LevelItem)
                    slot.gameplay = started.state
                }
                break
            }
            case 'garbage':
                client.sendRaw(pick(garbage, act.a)!)
                break
            case 'stale':
                client.sendRaw({ type: 'finishGameplay', state: 'old-round', result: result(act.a) })
                client.model.finishGameplay()
                slot.gameplay = undefined
                break
            case 'drop':
                if (act.a < 0.4) {
                    client.drop()
                    slot.client = undefined
                }
                break
            case 'return':
                await enter(slot)
                break
            case 'leave':
                if (act.a < 0.4) {
                    await client.close()
                    slot.client = undefined
                }
                break
        }
        // Let the server and the sockets breathe now and then, as real clients would.
        if (act.b < 0.25) await new Promise((resolve) => setImmediate(resolve))
    }

    // Wind down: players still in gameplay come back, then everyone must agree with the server.
    for (const slot of slots) {
        if (slot.client?.isOpen && slot.gameplay) {
            slot.client.finishGameplay(slot.gameplay, result(0.5))
            slot.gameplay = undefined
        }
    }
    track()
    const live = slots.map((s) => s.client).filter((c): c is RoomClient => !!c && c.isOpen)
    for (const client of everyClient) {
        if (client.fatal) {
            failedClient = { client, roomName }
            throw client.fatal
        }
        for (const e of client.received) seen.set(e.type, (seen.get(e.type) ?? 0) + 1)
    }
    for (const client of live) assert.equal(client.fatal, undefined)
    if (server.multiplayer.hub.get(roomName)) {
        // Clients whose socket the server closed (kicked) are not in the room any more.
        const members = live.filter((c) => server.multiplayer.hub.get(roomName)!.isConnected(c.userId))
        // A client that spammed stale finishes may wait for its held-back UpdateEvent (rate limit: 10 s).
        await converge(server, roomName, members, 15_000)
    }
    for (const slot of slots) if (slot.client?.isOpen) await slot.client.close()
    for (const slot of slots) if (slot.client?.fatal) throw slot.client.fatal
}
