// `npm run bench`: Ensemble's figures, each next to a baseline measured in the same run on the same
// machine (the machine is noisy: ratios mean more than absolute numbers).
//   1. signed POST /sonolus/authenticate and POST /sonolus/rooms/{name} at 32 connections, against a
//      plain one-core crypto.verify loop over the same bodies;
//   2. fan-out: chat in a room of 100 players, events delivered per second, against a bare `ws`
//      broadcast of the same bytes to the same clients;
//   3. memory per connected idle player, 5,000 players on one process;
//   4. join → first UpdateEvent latency (p50/p99) at 200 joins per second.
// Flags: --only=auth,join,fanout,memory,latency  --quick (shorter runs, fewer players)
import autocannon from 'autocannon'
import { writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { startChild, type Child } from './processes.js'
import { hasWrk, wrkLoad } from './wrk.js'
import {
    authenticateBody,
    benchJwk,
    benchProfile,
    connectLight,
    createRoom,
    joinBody,
    joinRoom,
    joinSigned,
    pool,
    type LightClient,
    type Signed,
} from './players.js'
import { benchCluster } from './cluster.js'
import { measureFanout as measureFanoutFor } from './fanout.js'

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]))
const quick = args.has('quick')
const only = args.get('only')?.split(',')
// --skip=<names> leaves figures out (e.g. --skip=cluster: no PostgreSQL or Redis needed).
const skip = args.get('skip')?.split(',') ?? []
const wanted = (name: string) => (!only || only.includes(name)) && !skip.includes(name)
const seconds = quick ? 3 : 8

type Row = { benchmark: string; ensemble: string; baseline: string; ratio: string; target: string; pass: boolean }
const rows: Row[] = []
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

type ServerReady = { port: number; address: string }
const startServer = (env: Record<string, string> = {}) => startChild<ServerReady>('./server.js', [], { BENCH_JWK: JSON.stringify(benchJwk), ...env })

async function verifyBaseline(bodies: Signed[]): Promise<number> {
    const child = await startChild<object>('./verify-loop.js')
    try {
        const { rate } = await child.request<{ rate: number }>({ jwk: benchJwk, items: bodies.slice(0, 5000), ms: seconds * 1000 })
        return rate
    } finally {
        await child.stop()
    }
}

// wrk when installed (BENCH_LOADER=autocannon to force autocannon): the load generator shares the
// machine with the server, and wrk leaves it more of it.
const loader = process.env.BENCH_LOADER === 'autocannon' || !hasWrk() ? 'autocannon' : 'wrk'

type Load = { total: number; rate: number }

/** Fires every body once at `connections` (32 by default); answers requests per second (all must be 200). */
async function load(address: string, path: (i: number) => string, bodies: Signed[], connections = 32): Promise<Load> {
    if (loader === 'wrk') return wrkLoad(address, path, bodies, connections, seconds)
    let next = 0
    const result = await autocannon({
        url: address,
        connections,
        pipelining: 1,
        duration: seconds,
        requests: [
            {
                method: 'POST',
                setupRequest: (req: any) => {
                    const i = next++ % bodies.length
                    return {
                        ...req,
                        path: path(i),
                        headers: { 'content-type': 'application/json', 'sonolus-signature': bodies[i]!.signature },
                        body: bodies[i]!.body,
                    }
                },
            },
        ],
    })
    if (next > bodies.length) throw new Error(`ran out of unique bodies (${bodies.length}): raise the count`)
    const bad = result.non2xx + result.errors + result.timeouts
    if (bad > 0) throw new Error(`${bad} of ${result.requests.total} requests failed`)
    return { total: result.requests.total, rate: result.requests.total / (result.duration || seconds) }
}

type CpuUsage = { user: number; system: number }

/** A load, with the server's CPU time (every thread of its process) per request. */
async function measured(server: Child<ServerReady>, run: () => Promise<Load>): Promise<{ rate: number; cpu: number }> {
    const before = await server.request<CpuUsage>({ type: 'cpu' })
    const { rate, total } = await run()
    const after = await server.request<CpuUsage>({ type: 'cpu' })
    return { rate, cpu: (after.user + after.system - before.user - before.system) / total }
}

async function benchSigned(): Promise<void> {
    const server = await startServer()
    try {
        const { address } = server.ready
        const count = quick ? 40_000 : 120_000
        const profiles = Array.from({ length: 2000 }, (_, i) => benchProfile(i))
        if (wanted('auth')) {
            const bodies = Array.from({ length: count }, (_, i) => authenticateBody(address, profiles[i % profiles.length]!))
            const { rate, cpu } = await measured(server, () => load(address, () => '/sonolus/authenticate', bodies))
            const baseline = await verifyBaseline(bodies)
            rows.push({
                benchmark: `POST /sonolus/authenticate, 32 connections (req/s; ${loader})`,
                ensemble: `${fmt(rate)} (server CPU ${fmt(cpu)} µs/req)`,
                baseline: `${fmt(baseline)} verify/s (1 core; ${fmt(1e6 / baseline)} µs each)`,
                ratio: fmt(rate / baseline, 2),
                target: '≥ 0.50',
                pass: rate / baseline >= 0.5,
            })
        }
        if (wanted('join')) {
            const { name } = await createRoom(address, benchProfile(-1), { maxPlayers: '100' })
            const bodies = Array.from({ length: count }, (_, i) => joinBody(address, name, profiles[i % profiles.length]!))
            const { rate, cpu } = await measured(server, () => load(address, () => `/sonolus/rooms/${name}`, bodies))
            const baseline = await verifyBaseline(bodies)
            rows.push({
                benchmark: `POST /sonolus/rooms/{name} (join), 32 connections (req/s; ${loader})`,
                ensemble: `${fmt(rate)} (server CPU ${fmt(cpu)} µs/req)`,
                baseline: `${fmt(baseline)} verify/s (1 core; ${fmt(1e6 / baseline)} µs each)`,
                ratio: fmt(rate / baseline, 2),
                target: '≥ 0.50',
                pass: rate / baseline >= 0.5,
            })
        }
    } finally {
        await server.stop()
    }
}

/** 10 senders keep 8 messages each in flight; counts frames delivered to all clients per second (bench/fanout.ts). */
const measureFanout = (clients: WebSocket[], ids: string[], frame: (sender: number, n: number) => string): Promise<number> =>
    measureFanoutFor(clients, ids, frame, { seconds })

async function benchFanout(): Promise<void> {
    const players = 100
    const text = 'fan-out benchmark message'
    let ensembleRate: number
    const profiles = Array.from({ length: players }, (_, i) => benchProfile(i))
    const ids = profiles.map((p) => p.id)
    const server = await startServer({ BENCH_UNLIMITED: '1' })
    try {
        const { address } = server.ready
        const { name, answer } = await createRoom(address, profiles[0]!, { maxPlayers: String(players) })
        const clients: LightClient[] = [await connectLight(answer)]
        for (const profile of profiles.slice(1)) clients.push(await connectLight(await joinRoom(address, name, profile)))
        await new Promise((resolve) => setTimeout(resolve, 500))
        ensembleRate = await measureFanout(
            clients.map((c) => c.ws),
            ids,
            (i, n) => JSON.stringify({ type: 'addChatMessage', nonce: n, message: { userId: ids[i], type: 'text', value: text } }),
        )
        for (const c of clients) c.ws.terminate()
    } finally {
        await server.stop()
    }
    const baseline = await startChild<{ port: number }>('./ws-broadcast-baseline.js')
    let baselineRate: number
    try {
        const clients = await Promise.all(
            ids.map(
                () =>
                    new Promise<WebSocket>((resolve, reject) => {
                        const ws = new WebSocket(`ws://127.0.0.1:${baseline.ready.port}`, { perMessageDeflate: false })
                        ws.once('open', () => resolve(ws))
                        ws.once('error', reject)
                    }),
            ),
        )
        // The very bytes Ensemble sends to the other players for one chat message.
        baselineRate = await measureFanout(clients, ids, (i) =>
            JSON.stringify({ type: 'addChatMessage', message: { userId: ids[i], type: 'text', value: text } }),
        )
        for (const ws of clients) ws.terminate()
    } finally {
        await baseline.stop()
    }
    rows.push({
        benchmark: `Fan-out: chat in a room of ${players} (events delivered/s)`,
        ensemble: fmt(ensembleRate),
        baseline: `${fmt(baselineRate)} (bare ws broadcast)`,
        ratio: fmt(ensembleRate / baselineRate, 2),
        target: '≥ 0.80',
        pass: ensembleRate / baselineRate >= 0.8,
    })
}

type Memory = { rss: number; heapUsed: number; external: number; arrayBuffers: number; connections: number }

async function benchMemory(): Promise<void> {
    const players = quick ? 1000 : 5000
    const perRoom = 100
    const server = await startServer()
    const clients: LightClient[] = []
    try {
        const { address } = server.ready
        // Warm the server up (JIT, pools) with one room before the "before" reading.
        const warm = await createRoom(address, benchProfile(-1), { maxPlayers: '2' })
        const warmClient = await connectLight(warm.answer)
        const before = await server.request<Memory>({ type: 'memory' })
        const rooms = players / perRoom
        const started = performance.now()
        for (let r = 0; r < rooms; r++) {
            const profiles = Array.from({ length: perRoom }, (_, i) => benchProfile(r * perRoom + i))
            const { name, answer } = await createRoom(address, profiles[0]!, { maxPlayers: String(perRoom) })
            clients.push(await connectLight(answer))
            const joined = await pool(profiles.slice(1), 16, async (p) => connectLight(await joinRoom(address, name, p)))
            clients.push(...joined)
        }
        const joinSeconds = (performance.now() - started) / 1000
        await new Promise((resolve) => setTimeout(resolve, 2000))
        const after = await server.request<Memory>({ type: 'memory' })
        if (after.connections < players) throw new Error(`only ${after.connections} of ${players} players connected`)
        const perPlayer = (after.rss - before.rss) / players
        const heapPerPlayer = (after.heapUsed + after.external - before.heapUsed - before.external) / players
        rows.push({
            benchmark: `Memory per idle connected player, ${fmt(players)} players in ${rooms} rooms (RSS delta)`,
            ensemble: `${fmt(perPlayer / 1024, 1)} KB`,
            baseline: `heap+external ${fmt(heapPerPlayer / 1024, 1)} KB; RSS ${fmt(before.rss / 2 ** 20)} → ${fmt(after.rss / 2 ** 20)} MB; joined in ${fmt(joinSeconds, 1)} s`,
            ratio: '',
            target: '≤ 30 KB',
            pass: perPlayer <= 30 * 1024,
        })
        warmClient.ws.terminate()
    } finally {
        for (const c of clients) c.ws.terminate()
        await server.stop()
    }
}

async function benchLatency(): Promise<void> {
    const rate = 200
    const total = quick ? 400 : rate * 10
    const roomCount = total / 50
    const server = await startServer()
    const clients: LightClient[] = []
    try {
        const { address } = server.ready
        const rooms: string[] = []
        for (let r = 0; r < roomCount; r++) {
            const { name, answer } = await createRoom(address, benchProfile(-r - 1), { maxPlayers: '100' })
            clients.push(await connectLight(answer))
            rooms.push(name)
        }
        // Signed ahead: signing is the players' work, not the server's.
        const bodies = Array.from({ length: total }, (_, i) => joinBody(address, rooms[i % rooms.length]!, benchProfile(i)))
        const latencies: number[] = []
        const answered: number[] = []
        await server.request({ type: 'loop-reset' })
        const cpuBefore = await server.request<CpuUsage>({ type: 'cpu' })
        const ownLoop = monitorEventLoopDelay({ resolution: 1 })
        ownLoop.enable()
        const t0 = performance.now() + 50
        await Promise.all(
            bodies.map(async (body, i) => {
                const due = t0 + (i * 1000) / rate
                await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
                const start = performance.now()
                const answer = await joinSigned(address, rooms[i % rooms.length]!, body)
                answered.push(performance.now() - start)
                const client = await connectLight(answer)
                latencies.push((await client.firstFrameAt) - start)
                clients.push(client)
            }),
        )
        const quantile = (list: number[]) => {
            const sorted = [...list].sort((a, b) => a - b)
            return (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
        }
        ownLoop.disable()
        const cpuAfter = await server.request<CpuUsage>({ type: 'cpu' })
        const cpuPerJoin = (cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system) / total / 1000
        const serverLoop = await server.request<{ p99: number; max: number }>({ type: 'loop' })
        console.error(
            `latency: server CPU ${fmt(cpuPerJoin, 2)} ms per join; event-loop delay, server p99 ${fmt(serverLoop.p99, 1)} ms max ${fmt(serverLoop.max, 1)} ms; ` +
                `players' process p99 ${fmt(ownLoop.percentile(99) / 1e6, 1)} ms max ${fmt(ownLoop.max / 1e6, 1)} ms`,
        )
        const at = quantile(latencies)
        const post = quantile(answered)
        rows.push({
            benchmark: `Join → first UpdateEvent at ${rate} joins/s (${total} joins, rooms filling to 50)`,
            ensemble: `p50 ${fmt(at(0.5), 1)} ms, p99 ${fmt(at(0.99), 1)} ms`,
            baseline: `max ${fmt(at(1), 1)} ms; of which the POST answer: p50 ${fmt(post(0.5), 1)} ms, p99 ${fmt(post(0.99), 1)} ms`,
            ratio: '',
            target: 'p99 ≤ 20 ms',
            pass: at(0.99) <= 20,
        })
    } finally {
        for (const c of clients) c.ws.terminate()
        await server.stop()
    }
}

const started = new Date()
// Cluster figures (bench/cluster.ts, PostgreSQL and Redis): two nodes against one, printed as their own table.
if (wanted('cluster')) await benchCluster({ seconds, quick, loader, load, fmt })
if (wanted('auth') || wanted('join')) await benchSigned()
if (wanted('fanout')) await benchFanout()
if (wanted('memory')) await benchMemory()
if (wanted('latency')) await benchLatency()

const table = [
    '| benchmark | Ensemble | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.benchmark} | ${r.ensemble} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass ? 'ok' : 'MISSED'} |`),
].join('\n')
console.log(`\nEnsemble benchmarks, ${started.toISOString()}${quick ? ' (quick)' : ''}\n\n${table}\n`)
const out = args.get('write')
if (out) writeFileSync(out, `${table}\n`)
process.exit(0)
