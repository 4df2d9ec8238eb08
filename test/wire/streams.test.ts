// Seeded random and hostile command streams over the wire, judged only by players written from the spec
// texts (raw-client.ts, room-model.ts): the real server in a child process, six players who chat,
// suggest, change roles and settings, play rounds, kick, report, drop, come back, leave, send garbage and
// start or finish gameplay when they should not. No player's room model may ever meet an event the spec
// says the app rejects, every frame must be a text frame the official schemas accept, the server must stay
// up, and at the end every player in the room must hold the room a player joining fresh is given.
// Nothing here comes from src/ or client/: the stream is drawn from a PRNG of its own.
// ENSEMBLE_WIRE_SEED=<n> replays a run; ENSEMBLE_WIRE_STREAMS sets how many streams (default 6).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { roomUserReader, WireClient } from './raw-client.js'
import { startServerProcess, type ServerProcess } from './server-process.js'
import { makeKeys, makeProfile, SonolusHttp, type Profile } from './sonolus-http.js'
import { gameplayResult, garbageCommands as garbage, wireLevel, wireLevelItem } from './items.js'

const seed = Number(process.env.ENSEMBLE_WIRE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const streams = Number(process.env.ENSEMBLE_WIRE_STREAMS ?? 6)
const actionsPerStream = 300

/** mulberry32: a small seeded PRNG, so that a seed replays the same choices. */
function prng(state: number): () => number {
    return () => {
        state = (state + 0x6d2b79f5) | 0
        let t = Math.imul(state ^ (state >>> 15), 1 | state)
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
}

const keys = makeKeys()
let server: ServerProcess
let http: SonolusHttp

before(async () => {
    server = await startServerProcess(keys.publicJwk)
    http = new SonolusHttp(server.address, keys)
})
after(async () => {
    if (server) assert.equal(await server.stop(), 0, `server did not exit cleanly:\n${server.output()}`)
})

const levels = ['alpha', 'beta', 'gamma', 'delta'].map((name) => wireLevel(name))
const levelItem = wireLevelItem()
const kinds = [
    'chat',
    'quick',
    'suggest',
    'removeSuggestion',
    'swapSuggestions',
    'clearSuggestions',
    'lock',
    'selectLevel',
    'levelOption',
    'autoExit',
    'optionValues',
    // The round flow weighs more too, so that rounds start and end in every stream.
    'status',
    'status',
    'status',
    'userStatus',
    'userStatus',
    'userStatus',
    'master',
    'lead',
    'kick',
    'report',
    'resetScoreboard',
    // Gameplay churn weighs more: the resync limits and what a player misses while in gameplay are where
    // a client's copy can part from the room.
    'gameplay',
    'gameplay',
    'outOfTurn',
    'outOfTurn',
    'outOfTurn',
    'garbage',
    'drop',
    'return',
    'leave',
] as const

type Slot = { name: string; profile: Profile; session: string; client: WireClient | undefined; playing: string | undefined }

const stats = { streams: 0, commands: 0, frames: 0, types: new Map<string, number>() }

test(
    'seeded random and hostile streams: every player written from the spec accepts every frame, and all end on the room a newcomer is given',
    { timeout: 600_000 },
    async () => {
        console.log(`wire streams: seed ${seed} (replay: ENSEMBLE_WIRE_SEED=${seed}), ${streams} streams of ${actionsPerStream} actions`)
        const random = prng(seed)
        for (let i = 0; i < streams; i++) await runStream(random, i)
        const types = [...stats.types]
            .sort((a, b) => b[1] - a[1])
            .map(([t, n]) => `${t}:${n}`)
            .join(' ')
        console.log(`wire streams: ${stats.commands} commands, ${stats.frames} frames accepted; events ${types}`)
        for (const type of ['startRound', 'addResult', 'insertScoreboardSectionScore', 'removeUser', 'updateMaster', 'addSuggestion', 'update']) {
            assert.ok((stats.types.get(type) ?? 0) > 0, `no ${type} event was exercised`)
        }
    },
)

async function runStream(random: () => number, index: number): Promise<void> {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const slots: Slot[] = []
    for (let i = 0; i < 6; i++) {
        const profile = makeProfile(`S${index}P${i}`)
        slots.push({ name: `stream ${index} player ${i}`, profile, session: await http.signIn(profile), client: undefined, playing: undefined })
    }
    const { name: roomName, key } = await http.createRoom(slots[0]!.session)
    const readUser = roomUserReader(keys.publicJwk, server.address, roomName)
    const everyClient: WireClient[] = []
    const enter = async (slot: Slot, creator = false): Promise<void> => {
        const answer = await http
            .joinRoom(roomName, slot.profile, { session: slot.session, ...(creator ? { key, query: { maxPlayers: '8' } } : {}) })
            .catch(() => undefined) // kicked a moment ago, room gone: fine
        if (!answer) return
        const client = await WireClient.connect(slot.name, answer, slot.profile.id, readUser).catch(() => undefined)
        if (!client) return
        everyClient.push(client)
        slot.client = client
        slot.playing = undefined
        await client.nextOf('update', 5000).catch(() => undefined)
    }
    for (const [i, slot] of slots.entries()) await enter(slot, i === 0)

    for (let step = 0; step < actionsPerStream; step++) {
        for (const client of everyClient) if (client.problem) throw client.problem
        const kind = pick(kinds)
        const a = random()
        const b = random()
        // The room flow comes mostly from whoever holds the role, so rounds do happen.
        const anyModel = slots.find((s) => s.client?.model.phase === 'initialized')?.client?.model
        const holder = kind === 'status' ? anyModel?.master : kind === 'selectLevel' ? anyModel?.lead : undefined
        const slot = (b < 0.7 && holder && slots.find((s) => s.profile.id === holder)) || pick(slots)
        const client = slot.client
        if (!client || client.closedWith) {
            slot.client = undefined
            if (kind === 'return' || a < 0.2) await enter(slot)
            continue
        }
        const model = client.model
        const self = slot.profile.id
        const send = (command: { type: string } & Record<string, unknown>) => {
            stats.commands++
            client.send(command)
        }
        // As the app does: a readied player told to start plays, and in gameplay sends nothing but its finish.
        if (slot.playing) {
            if (a < 0.5 || kind === 'gameplay') {
                send({ type: 'finishGameplay', state: slot.playing, result: gameplayResult(Math.floor(b * 1_000_000)) })
                model.finishGameplay()
                slot.playing = undefined
            }
            continue
        }
        if (model.phase === 'initialized' && model.round && model.statuses.get(self) === 'ready' && a < 0.7) {
            slot.playing = model.round.state
            send({ type: 'startGameplay', state: slot.playing, level: levelItem })
            model.startGameplay()
            continue
        }
        const users = model.users
        switch (kind) {
            case 'chat':
                send({ type: 'addChatMessage', nonce: step, message: { userId: self, type: 'text', value: `line ${step}` } })
                break
            case 'quick':
                send({ type: 'addChatMessage', nonce: step, message: { userId: self, type: 'quick', value: pick(['hello', 'glhf', 'gg']) } })
                break
            case 'suggest':
                send({ type: 'addSuggestion', level: pick(levels) })
                break
            case 'removeSuggestion':
                if (model.suggestions.length) send({ type: 'removeSuggestion', suggestion: pick(model.suggestions) })
                break
            case 'swapSuggestions':
                if (model.suggestions.length)
                    send({ type: 'swapSuggestions', suggestionA: pick(model.suggestions), suggestionB: pick(model.suggestions) })
                break
            case 'clearSuggestions':
                send({ type: 'clearSuggestions' })
                break
            case 'lock':
                send({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked: a < 0.5 })
                break
            case 'selectLevel':
                send({ type: 'updateLevel', level: pick(levels) })
                break
            case 'levelOption':
                send({ type: 'updateLevelOption', levelOption: { index: Math.floor(a * 4), value: Math.floor(b * 10) } })
                break
            case 'autoExit':
                send({ type: 'updateAutoExit', autoExit: pick(['off', 'pass', 'fullCombo', 'allPerfect']) })
                break
            case 'optionValues':
                send({
                    type: 'updateOptionValues',
                    optionValues: `scoring=${pick(['arcade', 'accuracy', 'wins'])}&teams=${pick(['none', '2', '3'])}`,
                })
                break
            case 'status': {
                const next = { selecting: 'preparing', preparing: 'playing', playing: 'selecting' } as const
                if (model.status === 'selecting' && !model.level) send({ type: 'updateLevel', level: pick(levels) })
                send({ type: 'updateStatus', status: a < 0.85 ? next[model.status] : pick(['selecting', 'preparing', 'playing']) })
                break
            }
            case 'userStatus':
                send({ type: 'updateUserStatus', status: a < 0.6 ? 'ready' : pick(['waiting', 'ready', 'skipped', 'playing']) })
                break
            case 'master':
                if (users.length) send({ type: 'updateMaster', master: pick(users) })
                break
            case 'lead':
                if (users.length) send({ type: 'updateLead', lead: pick(users) })
                break
            case 'kick':
                if (users.length && a < 0.3) send({ type: 'removeUser', userId: pick(users) })
                break
            case 'report':
                if (users.length) send({ type: 'reportUser', userId: pick(users), optionValues: 'reason=spamming' })
                break
            case 'resetScoreboard':
                send({ type: 'resetScoreboard' })
                break
            case 'gameplay':
                // A finish the round does not know (a late one, another round's).
                send({ type: 'finishGameplay', state: model.round?.state ?? 'old-round', result: gameplayResult(Math.floor(a * 1_000_000)) })
                model.finishGameplay()
                break
            case 'outOfTurn': {
                // Gameplay started when the app would not (no round, not ready, twice): the client is in gameplay
                // all the same, and finishes in a later step.
                const state = model.round?.state ?? 'old-round'
                send({ type: 'startGameplay', state, level: levelItem })
                model.startGameplay()
                slot.playing = state
                break
            }
            case 'garbage':
                stats.commands++
                ;(client as unknown as { ws: { send(text: string): void } }).ws.send(pick(garbage))
                break
            case 'drop':
                if (a < 0.4) {
                    await client.drop()
                    slot.client = undefined
                }
                break
            case 'return':
                await enter(slot)
                break
            case 'leave':
                if (a < 0.4) {
                    await client.close()
                    slot.client = undefined
                }
                break
        }
        // Let the server and the sockets breathe now and then, as real clients would.
        if (b < 0.25) await new Promise((resolve) => setImmediate(resolve))
    }

    // Wind down: players in gameplay come back; then everyone in the room must hold the room a newcomer is given.
    for (const slot of slots) {
        if (slot.client && !slot.client.closedWith && slot.playing) {
            slot.client.send({ type: 'finishGameplay', state: slot.playing, result: gameplayResult(500_000) })
            slot.client.model.finishGameplay()
            slot.playing = undefined
        }
    }
    for (const client of everyClient) if (client.problem) throw client.problem
    const inRoom = slots.map((s) => s.client).filter((c): c is WireClient => !!c && !c.closedWith)
    const profile = makeProfile(`S${index} newcomer`)
    const newcomer: Slot = { name: `stream ${index} newcomer`, profile, session: await http.signIn(profile), client: undefined, playing: undefined }
    await enter(newcomer)
    if (newcomer.client) {
        const fresh = newcomer.client
        // A held-back UpdateEvent (the resync limit: 10 s) may still be on its way to a player.
        const deadline = Date.now() + 15_000
        for (;;) {
            for (const client of [...everyClient, fresh]) if (client.problem) throw client.problem
            const expected = fresh.model.summary()
            const behind = inRoom
                .filter((c) => !c.closedWith && expected.users.includes(c.userId))
                .filter((c) => {
                    try {
                        assert.deepStrictEqual(c.model.summary(), expected)
                        return false
                    } catch {
                        return true
                    }
                })
            if (!behind.length) break
            if (Date.now() > deadline) {
                assert.deepStrictEqual(behind[0]!.model.summary(), expected, `${behind[0]!.name} (${behind[0]!.model.phase}) vs a newcomer`)
            }
            await new Promise((resolve) => setTimeout(resolve, 50))
        }
    }
    for (const client of everyClient) {
        if (client.problem) throw client.problem
        stats.frames += client.frames
        for (const event of client.events) stats.types.set(event.type, (stats.types.get(event.type) ?? 0) + 1)
    }
    for (const client of [...everyClient, ...(newcomer.client ? [newcomer.client] : [])]) if (!client.closedWith) await client.close()
    stats.streams++
}
