// `npm run bench`: Ensemble's figures, each next to a baseline measured in the same run on the same
// machine (the machine is noisy: ratios mean more than absolute numbers). Every figure has two columns:
// the server as `npm start` runs it (default configuration and logging) and as the bench ran it before
// issue 18 (logs off, tuned for measuring; bench/servers.ts).
//   1. signed POST /sonolus/authenticate and POST /sonolus/rooms/{name} at 32 connections, each after
//      3 s of the same load to warm the server up, against a plain one-core crypto.verify loop over the
//      same bodies, run just before and just after the measured load;
//   2. fan-out: chat in a room of 100 players, events delivered per second, against a bare `ws`
//      broadcast of the same bytes to the same clients;
//   3. memory per connected idle player, 10,000 players on one process;
//   4. join → first UpdateEvent latency (p50/p99/max) at 200 and 400 joins per second, from the players'
//      side and inside the server (upgrade → first frame written), with event-loop delay and GC pauses.
// Flags: --only=auth,join,fanout,memory,latency  --quick (shorter runs, fewer players)  --latency-seconds=N
//        --no-tuned (the default column only: about half the time)
// This process is the latency run's players, and `npm run bench` starts it with V8 flags that keep its
// garbage collection out of the server's figures (real players are on other machines), and with
// --expose-gc for a full GC before the measured joins:
// - --initial-heap-size=512: with V8's default its old generation grew by small steps, and its major
//   GCs (4-16 ms, every ~0.5-1.5 s) held first frames that had arrived unread;
// - --single-threaded-gc: its GC's helper threads took the second core from the server and its
//   threads for a few ms at every scavenge (perf sched: runnable threads waiting up to 5-11 ms).
import autocannon from 'autocannon'
import { writeFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { startChild } from './processes.js'
import { RawHttp, rawConnect } from './raw-client.js'
import { hasWrk, wrkLoad } from './wrk.js'
import { histogramDelta, histogramMaxBound, histogramQuantile, type Scrape } from './prometheus.js'
import { startBenchServer, type BenchServer, type Mode } from './servers.js'
import {
    authenticateBody,
    benchJwk,
    benchProfile,
    connectLight,
    createRoom,
    joinBody,
    joinRoom,
    type Answer,
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
// --latency-seconds=N: longer join latency runs (10 s by default, 2 s quick), to see rarer events (checkpoint holds).
const latencySeconds = Number(args.get('latency-seconds') ?? (quick ? 2 : 10))
const modes: Mode[] = args.has('no-tuned') ? ['default'] : ['default', 'tuned']

type Cell = { value: string; pass: boolean }
type Row = { benchmark: string; baseline: string; target: string; cells: Partial<Record<Mode, Cell>> }
const rows: Row[] = []
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const ms = (seconds: number) => fmt(seconds * 1000, 1)

/** Verifications a second of the one-core loop, and the host's cost of a page fault and a system call (µs). */
type Baseline = { rate: number; faultUs: number; syscallUs: number }
async function verifyBaseline(bodies: Signed[], forSeconds: number): Promise<Baseline> {
    const child = await startChild<object>('./verify-loop.js')
    try {
        return await child.request<Baseline>({ jwk: benchJwk, items: bodies.slice(0, 5000), ms: forSeconds * 1000 })
    } finally {
        await child.stop()
    }
}

// wrk when installed (BENCH_LOADER=autocannon to force autocannon): the load generator shares the
// machine with the server, and wrk leaves it more of it.
const loader = process.env.BENCH_LOADER === 'autocannon' || !hasWrk() ? 'autocannon' : 'wrk'

type Load = { total: number; rate: number }

/** Fires every body once at `connections` (32 by default) for `duration` seconds; answers requests per second (all must be 200). */
async function load(address: string, path: (i: number) => string, bodies: Signed[], connections = 32, duration = seconds): Promise<Load> {
    if (loader === 'wrk') return wrkLoad(address, path, bodies, connections, duration)
    let next = 0
    const result = await autocannon({
        url: address,
        connections,
        pipelining: 1,
        duration,
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
    return { total: result.requests.total, rate: result.requests.total / (result.duration || duration) }
}

/**
 * A load, with the server's CPU per request (all its threads, and the event-loop thread alone) and, from
 * its /metrics, the mean time the server took to answer and, of that, to get the signature's verdict.
 */
type Measured = {
    rate: number
    cpu: number
    main: number
    answerMs: number
    signatureMs: number
    perCommit: number
    commitUs: number
    faults: number
}
async function measured(server: BenchServer, route: string, run: () => Promise<Load>): Promise<Measured> {
    const metricsBefore = await server.metrics()
    const before = await server.cpu()
    const mainBefore = await server.mainThreadCpu()
    const faultsBefore = await server.faults()
    const { rate, total } = await run()
    const after = await server.cpu()
    const mainAfter = await server.mainThreadCpu()
    const faultsAfter = await server.faults()
    const metricsAfter = await server.metrics()
    const answer = histogramDelta(metricsBefore, metricsAfter, 'ensemble_http_request_duration_seconds', { method: 'POST', route })
    const signature = histogramDelta(metricsBefore, metricsAfter, 'ensemble_signature_check_seconds')
    const commits = histogramDelta(metricsBefore, metricsAfter, 'ensemble_store_commit_seconds')
    return {
        rate,
        cpu: (after - before) / total,
        main: (mainAfter - mainBefore) / total,
        answerMs: (answer.sum / answer.count) * 1000,
        signatureMs: (signature.sum / signature.count) * 1000,
        // Group commit: how many requests a commit carried, and its cost per request (event-loop time).
        perCommit: total / commits.count,
        commitUs: (commits.sum / total) * 1e6,
        faults: (faultsAfter - faultsBefore) / total,
    }
}

/**
 * Signed sign-ins, then joins, on one server. Each figure is held against the verify loop run just
 * before and just after its measured load (half as long each), so that the ratio compares the server
 * with the machine of the same minute: the host's speed drifts (the verify loop 55-110 µs a check over
 * a day), and a baseline taken minutes later, after the other column, moved the ratio by as much.
 */
async function benchSigned(): Promise<void> {
    const count = quick ? 40_000 : 120_000
    // A fresh server runs its first second or two at a fraction of its steady rate (V8 compiling the hot
    // paths: ~450 sign-ins in the first second, ~3,100 in the second, ~6,000 after), and an 8 s window
    // that includes it measures the start more than the server. So each figure follows `warmSeconds` of
    // the same load, on bodies of their own (the server refuses a replayed body); the verify loop it is
    // held against has nothing to warm (one native call).
    const warmSeconds = quick ? 1 : 3
    /** Signs `count` bodies for the measured load and more for a warm-up at `path`, which it runs; answers the former. */
    const warmed = async (address: string, path: string, body: (i: number) => Signed): Promise<Signed[]> => {
        const warmCount = warmSeconds * 20_000
        const bodies = Array.from({ length: warmCount + count }, (_, i) => body(i))
        await load(address, () => path, bodies.slice(0, warmCount), 32, warmSeconds)
        return bodies.slice(warmCount)
    }
    type Figure = Measured & { baseline: [Baseline, Baseline] }
    /** The measured load between two runs of the verify loop over the same bodies. */
    const bracketed = async (server: BenchServer, route: string, path: string, bodies: Signed[]): Promise<Figure> => {
        const before = await verifyBaseline(bodies, seconds / 2)
        const got = await measured(server, route, () => load(server.address, () => path, bodies))
        const after = await verifyBaseline(bodies, seconds / 2)
        return { ...got, baseline: [before, after] }
    }
    const profiles = Array.from({ length: 2000 }, (_, i) => benchProfile(i))
    type Figures = { auth?: Figure; join?: Figure }
    const figures: Partial<Record<Mode, Figures>> = {}
    for (const mode of modes) {
        const server = await startBenchServer(mode)
        const got: Figures = (figures[mode] = {})
        try {
            const { address } = server
            if (wanted('auth')) {
                const bodies = await warmed(address, '/sonolus/authenticate', (i) => authenticateBody(address, profiles[i % profiles.length]!))
                got.auth = await bracketed(server, '/sonolus/authenticate', '/sonolus/authenticate', bodies)
            }
            if (wanted('join')) {
                const { name } = await createRoom(address, benchProfile(-1), { maxPlayers: '100' })
                const bodies = await warmed(address, `/sonolus/rooms/${name}`, (i) => joinBody(address, name, profiles[i % profiles.length]!))
                got.join = await bracketed(server, '/sonolus/rooms/:name', `/sonolus/rooms/${name}`, bodies)
            }
        } finally {
            await server.stop()
        }
    }
    // The targets: sign-ins at 0.6 of a one-core verify loop over the same bodies, joins at 0.5.
    const row = (what: 'auth' | 'join', benchmark: string, minimum: number) => {
        const cells: Row['cells'] = {}
        const baselines: string[] = []
        for (const mode of modes) {
            const f = figures[mode]![what]!
            const [before, after] = f.baseline
            const baseline = (before.rate + after.rate) / 2
            const ratio = f.rate / baseline
            cells[mode] = {
                value:
                    `${fmt(f.rate)} req/s, ${fmt(f.cpu)} µs CPU/req (event loop ${fmt(f.main)}): **${fmt(ratio, 2)}** ` +
                    `(inside the server: answered in ${fmt(f.answerMs, 2)} ms on average, ${fmt(f.signatureMs, 2)} of them waiting for the signature; ` +
                    `a commit per ${fmt(f.perCommit, 1)} requests, ${fmt(f.commitUs, 1)} µs of commit a request; ${fmt(f.faults, 2)} page faults a request)`,
                pass: ratio >= minimum,
            }
            baselines.push(
                `${mode}: ${fmt(baseline)} verify/s (1 core; ${fmt(1e6 / before.rate)} µs each before the load, ${fmt(1e6 / after.rate)} after; ` +
                    `the host's page fault ${fmt(before.faultUs, 1)} / ${fmt(after.faultUs, 1)} µs, an fstat from Node ${fmt(before.syscallUs, 1)} / ${fmt(after.syscallUs, 1)} µs)`,
            )
        }
        rows.push({ benchmark, baseline: baselines.join('; '), target: `ratio ≥ ${fmt(minimum, 2)}`, cells })
    }
    if (wanted('auth')) row('auth', `POST /sonolus/authenticate, 32 connections (${loader})`, 0.6)
    if (wanted('join')) row('join', `POST /sonolus/rooms/{name} (join), 32 connections (${loader})`, 0.5)
}

/** 10 senders keep 8 messages each in flight; counts frames delivered to all clients per second (bench/fanout.ts). */
const measureFanout = (clients: WebSocket[], ids: string[], frame: (sender: number, n: number) => string): Promise<number> =>
    measureFanoutFor(clients, ids, frame, { seconds })

async function benchFanout(): Promise<void> {
    const players = 100
    const text = 'fan-out benchmark message'
    const profiles = Array.from({ length: players }, (_, i) => benchProfile(i))
    const ids = profiles.map((p) => p.id)
    const rates: Partial<Record<Mode, number>> = {}
    for (const mode of modes) {
        // The default server keeps its chat limits (5 lines per 5 s), which would measure the limit:
        // both columns lift them; the default one keeps the default logging and everything else.
        const server = await startBenchServer(mode, { unlimited: true })
        try {
            const { address } = server
            const { name, answer } = await createRoom(address, profiles[0]!, { maxPlayers: String(players) })
            const clients: LightClient[] = [await connectLight(answer)]
            for (const profile of profiles.slice(1)) clients.push(await connectLight(await joinRoom(address, name, profile)))
            await new Promise((resolve) => setTimeout(resolve, 500))
            rates[mode] = await measureFanout(
                clients.map((c) => c.ws),
                ids,
                (i, n) => JSON.stringify({ type: 'addChatMessage', nonce: n, message: { userId: ids[i], type: 'text', value: text } }),
            )
            for (const c of clients) c.ws.terminate()
        } finally {
            await server.stop()
        }
    }
    const baseline = await startChild<{ port: number }>('./ws-broadcast-baseline.js')
    let baselineRate: number
    try {
        const clients = await Promise.all(
            ids.map(
                () =>
                    new Promise<WebSocket>((resolve, reject) => {
                        // As the light clients Ensemble's frames go to (players.ts): no UTF-8 check.
                        const ws = new WebSocket(`ws://127.0.0.1:${baseline.ready.port}`, { perMessageDeflate: false, skipUTF8Validation: true })
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
    const cells: Row['cells'] = {}
    for (const mode of modes) {
        const ratio = rates[mode]! / baselineRate
        cells[mode] = { value: `${fmt(rates[mode]!)} events/s: **${fmt(ratio, 2)}**`, pass: ratio >= 0.8 }
    }
    rows.push({
        benchmark: `Fan-out: chat in a room of ${players}, text frames (chat limits lifted in both)`,
        baseline: `${fmt(baselineRate)} events/s (bare ws broadcast)`,
        target: 'ratio ≥ 0.80',
        cells,
    })
}

async function benchMemory(): Promise<void> {
    const players = quick ? 1000 : 10_000
    const perRoom = 100
    const rooms = players / perRoom
    const cells: Row['cells'] = {}
    const notes: string[] = []
    for (const mode of modes) {
        const server = await startBenchServer(mode)
        const clients: LightClient[] = []
        try {
            const { address } = server
            // Warm the server up (JIT, pools) with one room before the "before" reading.
            const warm = await createRoom(address, benchProfile(-1), { maxPlayers: '2' })
            clients.push(await connectLight(warm.answer))
            await new Promise((resolve) => setTimeout(resolve, 500))
            const before = await server.memory()
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
            const after = await server.memory()
            if (after.connections < players) throw new Error(`only ${after.connections} of ${players} players connected`)
            const perPlayer = (after.rss - before.rss) / players
            const heapPerPlayer = (after.heapUsed + after.external - before.heapUsed - before.external) / players
            cells[mode] = {
                value: `**${fmt(perPlayer / 1024, 1)} KB** (heap+external ${fmt(heapPerPlayer / 1024, 1)} KB)`,
                pass: perPlayer <= 15 * 1024,
            }
            notes.push(`${mode}: RSS ${fmt(before.rss / 2 ** 20)} → ${fmt(after.rss / 2 ** 20)} MB, joined in ${fmt(joinSeconds, 1)} s`)
        } finally {
            for (const c of clients) c.ws.terminate()
            await server.stop()
        }
    }
    rows.push({
        benchmark: `Memory per idle connected player, ${fmt(players)} players in ${rooms} rooms (RSS delta; default: without a forced GC)`,
        baseline: notes.join('; '),
        target: '≤ 15 KB',
        cells,
    })
}

const sum = (s: Scrape, prefix: string) => [...s].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0)

/** The server's event-loop delay (prom-client's monitor, reset at every scrape) and GC pauses between two scrapes. */
function serverPauses(before: Scrape, after: Scrape): string {
    // prom-client samples every 10 ms and reports each interval whole: the delay is what exceeds 10 ms.
    const loop = (name: string) => ms(Math.max(0, (after.get(`ensemble_nodejs_eventloop_lag_${name}_seconds`) ?? NaN) - 0.01))
    const gcCount = sum(after, 'ensemble_nodejs_gc_duration_seconds_count') - sum(before, 'ensemble_nodejs_gc_duration_seconds_count')
    const gcSum = sum(after, 'ensemble_nodejs_gc_duration_seconds_sum') - sum(before, 'ensemble_nodejs_gc_duration_seconds_sum')
    return `event-loop delay p50 ${loop('p50')} / p99 ${loop('p99')} / max ${loop('max')} ms; GC ${fmt(gcCount)} pauses, ${ms(gcSum)} ms in all`
}

/** Where one join's time went, in ms from the start of its POST (the players' clock). */
type JoinTimes = { total: number; post: number; connect: number; upgrade: number; frame: number }

/**
 * Joins at `rate` per second (open loop) with bodies signed beforehand, spread over `rooms` in turn:
 * from the start of each POST to the first frame on its socket, split into the POST, the TCP connection,
 * the upgrade until the 101 answer's head, and the rest of the first frame.
 */
async function joinAtRate(http: RawHttp, rooms: readonly string[], bodies: readonly Signed[], rate: number, sockets: Socket[]): Promise<JoinTimes[]> {
    const joins: JoinTimes[] = []
    const t0 = performance.now() + 50
    await Promise.all(
        bodies.map(async (body, i) => {
            const due = t0 + (i * 1000) / rate
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())))
            const start = performance.now()
            const answer = await http.post(`/sonolus/rooms/${rooms[i % rooms.length]!}`, body.body, { 'sonolus-signature': body.signature })
            if (answer.status !== 200) throw new Error(`join: ${answer.status} ${answer.body}`)
            const answeredAt = performance.now()
            const { url, session } = JSON.parse(answer.body) as Answer
            const joined = await rawConnect(url, session)
            joins.push({
                total: joined.firstFrameAt - start,
                post: answeredAt - start,
                connect: joined.connectedAt - answeredAt,
                upgrade: joined.headAt - joined.connectedAt,
                frame: joined.firstFrameAt - joined.headAt,
            })
            // The first frame must be the UpdateEvent, in a text frame.
            if (joined.firstFrameStart[0] !== 0x81 || !joined.firstFrameStart.includes('{"type":"update"'))
                throw new Error(`first frame: ${joined.firstFrameStart.subarray(0, 40).toString('hex')}`)
            sockets.push(joined.socket)
        }),
    )
    return joins
}

const quantiles = (list: number[]) => {
    const sorted = [...list].sort((a, b) => a - b)
    return (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** The slowest 1 % of the joins, and the median of each part of their time: where a tail comes from. */
function tailSplit(joins: JoinTimes[]): string {
    const slowest = [...joins].sort((a, b) => b.total - a.total).slice(0, Math.max(1, Math.round(joins.length / 100)))
    const median = (part: keyof JoinTimes) => fmt(quantiles(slowest.map((j) => j[part]))(0.5), 1)
    return (
        `the slowest 1 % (${fmt(slowest.length)} joins), medians: POST ${median('post')}, TCP connect ${median('connect')}, ` +
        `upgrade → 101 ${median('upgrade')}, 101 → first frame ${median('frame')} ms`
    )
}

async function benchLatency(rate: number): Promise<void> {
    const total = rate * latencySeconds
    const roomCount = total / 50
    // A second of joins into rooms of their own before the measured ones: the first joins into a fresh
    // process wait for the compiler (at 400/s, most of the 40 slowest joins of a run were its first
    // 50 ms). A server in service is past that; the warm-up's own p99 is reported beside the figure.
    const warmUpCount = quick ? 0 : rate
    const target = rate <= 200 ? 15 : 25
    const cells: Row['cells'] = {}
    const notes: string[] = []
    for (const mode of modes) {
        const server = await startBenchServer(mode)
        const clients: LightClient[] = []
        // The joiners: bare TCP (raw-client.ts), so that the generator's own CPU stays out of the figure.
        const sockets: Socket[] = []
        const http = new RawHttp(server.address)
        try {
            const { address } = server
            const newRooms = async (count: number, first: number) => {
                const names: string[] = []
                for (let r = 0; r < count; r++) {
                    const { name, answer } = await createRoom(address, benchProfile(-first - r - 1), { maxPlayers: '100' })
                    clients.push(await connectLight(answer))
                    names.push(name)
                }
                return names
            }
            const rooms = await newRooms(roomCount, 0)
            const warmUpRooms = await newRooms(Math.ceil(warmUpCount / 50), roomCount)
            // Signed ahead: signing is the players' work, not the server's.
            const bodies = Array.from({ length: total }, (_, i) => joinBody(address, rooms[i % rooms.length]!, benchProfile(i)))
            const warmUpBodies = Array.from({ length: warmUpCount }, (_, i) =>
                joinBody(address, warmUpRooms[i % warmUpRooms.length]!, benchProfile(total + i)),
            )
            const warmUp = warmUpCount ? quantiles((await joinAtRate(http, warmUpRooms, warmUpBodies, rate, sockets)).map((j) => j.total)) : undefined
            // The earlier benches' clients (10,000 of them for memory) left this process a large heap to
            // collect: collected now, not while joins wait (npm run bench passes --expose-gc).
            ;(globalThis as { gc?: () => void }).gc?.()
            const metricsBefore = await server.metrics()
            const cpuBefore = await server.cpu()
            const mainBefore = await server.mainThreadCpu()
            const faultsBefore = await server.faults()
            const ownLoop = monitorEventLoopDelay({ resolution: 1 })
            ownLoop.enable()
            const ownGc = { count: 0, total: 0, longest: 0 }
            const gcObserver = new PerformanceObserver((list) => {
                for (const entry of list.getEntries()) {
                    ownGc.count++
                    ownGc.total += entry.duration
                    ownGc.longest = Math.max(ownGc.longest, entry.duration)
                }
            })
            gcObserver.observe({ entryTypes: ['gc'] })
            const ownCpu = process.cpuUsage()
            const joins = await joinAtRate(http, rooms, bodies, rate, sockets)
            ownLoop.disable()
            gcObserver.disconnect()
            const { user: ownUser, system: ownSystem } = process.cpuUsage(ownCpu)
            const cpuPerJoin = (await server.cpu()) - cpuBefore
            const mainPerJoin = (await server.mainThreadCpu()) - mainBefore
            const faultsPerJoin = ((await server.faults()) - faultsBefore) / total
            const metricsAfter = await server.metrics()
            const at = quantiles(joins.map((j) => j.total))
            const post = quantiles(joins.map((j) => j.post))
            const inside = histogramDelta(metricsBefore, metricsAfter, 'ensemble_join_first_event_seconds')
            const insideQ = (q: number) => ms(histogramQuantile(inside, q))
            // The join answer as the server timed it (request read → answer written), and the SQLite
            // checkpoint holds the answers' commits may have waited behind.
            const answer = histogramDelta(metricsBefore, metricsAfter, 'ensemble_http_request_duration_seconds', {
                method: 'POST',
                route: '/sonolus/rooms/:name',
            })
            const holds = histogramDelta(metricsBefore, metricsAfter, 'ensemble_store_checkpoint_hold_seconds')
            cells[mode] = {
                value:
                    `p50 ${fmt(at(0.5), 1)}, **p99 ${fmt(at(0.99), 1)}**, max ${fmt(at(1), 1)} ms ` +
                    `(POST p50 ${fmt(post(0.5), 1)} / p99 ${fmt(post(0.99), 1)}; inside the server, upgrade → first frame: ` +
                    `p50 ${insideQ(0.5)} / p99 ${insideQ(0.99)} / max ≤ ${ms(histogramMaxBound(inside))} ms; ` +
                    `the POST inside the server: p50 ${ms(histogramQuantile(answer, 0.5))} / p99 ${ms(histogramQuantile(answer, 0.99))} ms)`,
                pass: at(0.99) <= target,
            }
            notes.push(
                `${mode}: server ${serverPauses(metricsBefore, metricsAfter)}; ` +
                    `checkpoint holds ${fmt(holds.count)}, ${ms(holds.sum)} ms in all, longest ≤ ${ms(histogramMaxBound(holds))} ms; CPU ${fmt(cpuPerJoin / total / 1000, 2)} ms per join (event loop ${fmt(mainPerJoin / total / 1000, 2)}), ${fmt(faultsPerJoin, 1)} page faults per join; ` +
                    `players' process event loop p99 ${fmt(ownLoop.percentile(99) / 1e6, 1)} / max ${fmt(ownLoop.max / 1e6, 1)} ms, ` +
                    `its GC ${fmt(ownGc.count)} pauses, ${fmt(ownGc.total, 1)} ms in all, longest ${fmt(ownGc.longest, 1)} ms, ` +
                    `its CPU ${fmt((ownUser + ownSystem) / total / 1000, 2)} ms per join; ${tailSplit(joins)}` +
                    (warmUp
                        ? `; the warm-up's ${fmt(warmUpCount)} joins before (not counted): p50 ${fmt(warmUp(0.5), 1)} / p99 ${fmt(warmUp(0.99), 1)} / max ${fmt(warmUp(1), 1)} ms`
                        : ''),
            )
        } finally {
            for (const c of clients) c.ws.terminate()
            for (const socket of sockets) socket.destroy()
            http.close()
            await server.stop()
        }
    }
    rows.push({
        benchmark: `Join → first UpdateEvent at ${rate} joins/s (${fmt(total)} joins, rooms filling to 50)`,
        baseline: notes.join('; '),
        target: `p99 ≤ ${target} ms`,
        cells,
    })
}

const started = new Date()
// Cluster figures (bench/cluster.ts, PostgreSQL and Redis): two nodes against one, printed as their own table.
if (wanted('cluster')) await benchCluster({ seconds, quick, loader, load, fmt })
if (wanted('auth') || wanted('join')) await benchSigned()
if (wanted('fanout')) await benchFanout()
if (wanted('memory')) await benchMemory()
if (wanted('latency')) {
    await benchLatency(200)
    await benchLatency(400)
}

const cell = (c: Cell | undefined) => (c ? `${c.value} ${c.pass ? 'ok' : 'MISSED'}` : '—')
const table = [
    '| benchmark | default (`npm start`) | tuned (logs off) | baseline and diagnostics (same run) | target |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.benchmark} | ${cell(r.cells.default)} | ${cell(r.cells.tuned)} | ${r.baseline} | ${r.target} |`),
].join('\n')
console.log(`\nEnsemble benchmarks, ${started.toISOString()}${quick ? ' (quick)' : ''}\n\n${table}\n`)
const out = args.get('write')
if (out) writeFileSync(out, `${table}\n`)
process.exit(0)
