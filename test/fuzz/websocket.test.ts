// Hostile WebSocket clients in a real room: each run signs in a new player, joins over HTTP, connects a
// raw ws socket and sends a fast-check generated stream of binary frames, invalid JSON, wrong types,
// oversized frames, unknown commands, real commands out of order and floods. The server must never
// crash, must send only text frames holding events that pass the schema validator (to the hostile
// socket and to an honest player in the same room), and must end a misbehaving socket with a proper
// close code. The honest player's view must still match the room's at the end, /healthz must answer,
// and the heap must stay within a stated bound. (test/transport/property.test.ts covers valid command
// streams and client models; this file is about hostile input.) ENSEMBLE_FUZZ_SEED=<n> replays a run.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import WebSocket from 'ws'
import { CloseCode } from '../../src/rooms/close-codes.js'
import { converge, hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer, type Player } from '../helpers/multiplayer.js'
import { join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'
import { checkFrame } from '../schema/validate.js'
import { fuzzSeed, hostileJson, hostileJsonText, hostileString, settledHeap } from './hostile.js'

const maxPayload = 16 * 1024
/** Heap the whole run may leave behind after a full collection (players and chat it added). */
const heapBoundBytes = 32 * 1024 * 1024
const runs = Number(process.env.ENSEMBLE_FUZZ_RUNS ?? 30)
const seed = fuzzSeed()

/** Codes a server may end a hostile socket with (1007: a text frame that is not UTF-8); 1005: we closed it and got no code back. */
const properCloses = new Set<number>([CloseCode.normal, CloseCode.tooBig, CloseCode.flood, CloseCode.policyViolation, CloseCode.kicked, 1007, 1005])

let server: MultiplayerServer
let host: Player & { name: string }
let honest: Player

before(async () => {
    // A socket the server cuts off keeps its seat for the reconnect grace: a short one frees the seats of the
    // hostile players gone, so that long runs (ENSEMBLE_FUZZ_RUNS in the hundreds) do not fill the room.
    server = await startMultiplayerServer({ wsMaxPayload: maxPayload, maxPlayersLimit: 64, defaultMaxPlayers: 64, reconnectGraceMs: 2000 })
    host = await hostRoom(server, { maxPlayers: 64 })
    honest = await joinPlayer(server, host.name, 'Honest')
})
after(() => server?.close())

const commandTypes = [
    'addChatMessage',
    'addSuggestion',
    'clearSuggestions',
    'finishGameplay',
    'removeSuggestion',
    'removeUser',
    'reportUser',
    'resetScoreboard',
    'startGameplay',
    'swapSuggestions',
    'updateAutoExit',
    'updateIsSuggestionsLocked',
    'updateLead',
    'updateLevel',
    'updateLevelOption',
    'updateMaster',
    'updateOptionValues',
    'updateStatus',
    'updateUserStatus',
]

type Frame =
    | { kind: 'text'; text: string }
    | { kind: 'binary'; bytes: Uint8Array }
    | { kind: 'tooBig' }
    | { kind: 'flood'; count: number; text: string }
    | { kind: 'pause'; ms: number }

/** Commands of the right type whose fields are hostile, and real commands sent whenever (out of order). */
const command = fc.oneof(
    fc
        .record({ type: fc.constantFrom(...commandTypes), a: hostileJson(), b: hostileJson() })
        .map(({ type, a, b }) => JSON.stringify({ type, nonce: a, message: b, level: b, status: a, userId: a })),
    fc
        .record({ type: fc.oneof(hostileString(), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty')), rest: hostileJson() })
        .map(({ type, rest }) => JSON.stringify({ type, rest })),
    fc.constantFrom(
        JSON.stringify({
            type: 'finishGameplay',
            result: { grade: 'pass', arcadeScore: 1, accuracyScore: 1, combo: 1, perfect: 1, great: 0, good: 0, miss: 0, totalCount: 1 },
        }),
        JSON.stringify({ type: 'startGameplay' }),
        JSON.stringify({ type: 'updateStatus', status: 'playing' }),
        JSON.stringify({ type: 'updateStatus', status: 'preparing' }),
        JSON.stringify({ type: 'updateUserStatus', status: 'ready' }),
        JSON.stringify({ type: 'updateMaster', userId: 'nobody' }),
        JSON.stringify({ type: 'removeUser', userId: '__proto__' }),
        JSON.stringify({ type: 'addSuggestion', level: { address: 'https://levels.example.com', name: '../../etc/passwd' } }),
        JSON.stringify({ type: 'addChatMessage', nonce: 'n', message: { type: 'text', value: '\u202e\ud800'.repeat(50) } }),
        JSON.stringify({ type: 'addChatMessage', nonce: '__proto__', message: { type: 'quick', value: 999999 } }),
        JSON.stringify({ type: 'reportUser', userId: 'x', reason: 'y'.repeat(10_000) }),
        '{"type":"addChatMessage","__proto__":{"isAdmin":true},"nonce":"p","message":{"type":"text","value":"hi"}}',
    ),
)
const frame: fc.Arbitrary<Frame> = fc.oneof(
    { weight: 4, arbitrary: command.map((text) => ({ kind: 'text', text }) as const) },
    { weight: 2, arbitrary: hostileJsonText().map((text) => ({ kind: 'text', text: text.slice(0, maxPayload - 1) }) as const) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ kind: 'binary', bytes }) as const) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'text', text }) as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'tooBig' } as const) },
    { weight: 1, arbitrary: fc.record({ count: fc.integer({ min: 50, max: 400 }), text: command }).map((f) => ({ kind: 'flood', ...f }) as const) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 30 }).map((ms) => ({ kind: 'pause', ms }) as const) },
)

const stats = { runs: 0, frames: 0, received: 0, closes: new Map<number, number>() }

/** Connects a new player's raw socket; collects what it receives, failing on any frame a strict client would reject. */
async function hostileSocket(): Promise<{ ws: WebSocket; problems: string[]; closed: Promise<number> }> {
    const { profile, session } = await signedAuthenticate(server, makeProfile('Hostile'))
    const answer = await join(server, host.name, profile, { session })
    const ws = new WebSocket(answer.url, { headers: { 'Sonolus-Room-Session': answer.session } })
    const problems: string[] = []
    ws.on('message', (data, isBinary) => {
        stats.received++
        try {
            checkFrame(data as Buffer, isBinary)
        } catch (error) {
            problems.push((error as Error).message)
        }
    })
    ws.on('error', () => {})
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve())
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
    })
    return { ws, problems, closed }
}

const sendFrame = async (ws: WebSocket, f: Frame) => {
    if (ws.readyState !== WebSocket.OPEN) return
    stats.frames++
    switch (f.kind) {
        case 'text':
            return ws.send(f.text, { binary: false })
        case 'binary':
            return ws.send(f.bytes, { binary: true })
        case 'tooBig':
            return ws.send('x'.repeat(maxPayload + 1), { binary: false })
        case 'flood':
            for (let i = 0; i < f.count && ws.readyState === WebSocket.OPEN; i++) ws.send(f.text)
            return
        case 'pause':
            return new Promise((resolve) => setTimeout(resolve, f.ms))
    }
}

test(
    'hostile WebSocket clients: text frames of valid events only, proper close codes, the room and server unharmed',
    { timeout: 120_000 },
    async () => {
        console.log(`fuzz seed ${seed} (replay: ENSEMBLE_FUZZ_SEED=${seed}), ${runs} hostile clients`)
        const heapBefore = await settledHeap()
        await fc.assert(
            fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 25 }), async (frames) => {
                stats.runs++
                const { ws, problems, closed } = await hostileSocket()
                for (const f of frames) await sendFrame(ws, f)
                // Whatever the server makes of it, give it a moment to answer, then leave if still in.
                await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 50))])
                if (ws.readyState === WebSocket.OPEN) ws.close(CloseCode.normal)
                const timeout = setTimeout(() => ws.terminate(), 6000)
                const code = await closed
                clearTimeout(timeout)
                stats.closes.set(code, (stats.closes.get(code) ?? 0) + 1)
                assert.deepEqual(problems, [], 'the server sent a frame a strict client rejects')
                assert.ok(properCloses.has(code), `socket ended with close code ${code} after ${frames.map((f) => f.kind).join(',')}`)
                if (honest.client.fatal) throw honest.client.fatal
                if (host.client.fatal) throw host.client.fatal
                const health = await fetch(`${server.origin}/healthz`)
                assert.equal(health.status, 200)
            }),
            { seed, numRuns: runs, endOnFailure: true, includeErrorInReport: true },
        )
        // The room still works for the honest players: their views match the room's, and chat gets through.
        await converge(server, host.name, [host.client, honest.client], 5000)
        const heapAfter = await settledHeap()
        const closes = [...stats.closes].map(([c, n]) => `${c}×${n}`).join(' ')
        console.log(
            `${stats.runs} hostile clients sent ${stats.frames} frames (floods count once) and received ${stats.received} valid frames; closes ${closes}; ` +
                `heap ${(heapBefore / 2 ** 20).toFixed(1)} → ${(heapAfter / 2 ** 20).toFixed(1)} MiB (bound +${heapBoundBytes / 2 ** 20} MiB)`,
        )
        assert.ok(heapAfter - heapBefore < heapBoundBytes, `heap grew by ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB`)
        // Some streams must have been cut off by the server, or the guards were never exercised.
        assert.ok(
            (stats.closes.get(CloseCode.flood) ?? 0) + (stats.closes.get(CloseCode.tooBig) ?? 0) > 0,
            `no socket was closed by the server: ${closes}`,
        )
    },
)
