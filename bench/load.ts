// `npm run load`: N players in M rooms playing rounds and chatting on a real server for a set time, with
// the latency of events, refused commands, errors, the server's memory and event-loop delay, and the
// generator's own CPU (it shares the machine with the server). See --help.
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { startChild, type Child } from './processes.js'
import { startLoadServer, type LoadServer } from './load-server.js'
import { addTally, bump, byLabel, LatencyHistogram, parseExposition, sumOf, tallyDelta, type Tally } from './load-stats.js'
import { table } from './load-report.js'
import type { RunReply, SetupReply, WorkerRun, WorkerSetup } from './load-worker.js'

const help = `npm run load -- [options]
  --players=N        players (default 1000)
  --rooms=M          rooms, players spread evenly; at most ENSEMBLE_MAX_PLAYERS_LIMIT (100) a room (default N/10)
  --duration=S       seconds of play after everyone joined (default 60)
  --chat=R           chat messages per player per minute (default 6; the server refuses more than 5 in 5 s)
  --round=S          seconds a player spends in a round's gameplay, ±20 % (default 5)
  --drain=S          seconds events of commands sent before the stop may take before they count as
                     missing (default 5)
  --workers=K        generator processes (default one per 2,500 players, at most 4)
  --concurrency=C    sign-ins and joins in flight per generator process (default 16)
  --url=URL          load a running server (its ENSEMBLE_ADDRESS) instead of starting one; it must trust
                     the key of --key (ENSEMBLE_SIGNATURE_PUBLIC_KEY)
  --key=FILE         the private JWK to sign with (made by --make-key)
  --make-key=FILE    write a new P-256 private JWK to FILE, print its public JWK, and exit
  --metrics-token=T  bearer token of the server's /metrics (ENSEMBLE_METRICS_TOKEN)
  --json             print the figures as JSON on stdout (progress stays on stderr)
Without --url the server is started as \`npm start\` starts it (node dist/src/main.js, default
configuration, a temp data directory); ENSEMBLE_* variables of this environment pass through to it.`

const flags = new Map<string, string>()
for (let i = 2; i < process.argv.length; i++) {
    const arg = process.argv[i]!
    if (!arg.startsWith('--')) fail(`unexpected argument ${arg}`)
    const eq = arg.indexOf('=')
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1))
    else if (['json', 'help'].includes(arg.slice(2)) || i + 1 >= process.argv.length || process.argv[i + 1]!.startsWith('--'))
        flags.set(arg.slice(2), '')
    else flags.set(arg.slice(2), process.argv[++i]!)
}
const known = [
    'drain',
    'players',
    'rooms',
    'duration',
    'chat',
    'round',
    'workers',
    'concurrency',
    'url',
    'key',
    'make-key',
    'metrics-token',
    'json',
    'help',
]
for (const name of flags.keys()) if (!known.includes(name)) fail(`unknown option --${name}`)
if (flags.has('help')) {
    console.log(help)
    process.exit(0)
}

function fail(message: string): never {
    process.stderr.write(`load: ${message}\n\n${help}\n`)
    process.exit(2)
}

function number(name: string, fallback: number, min: number, max: number): number {
    const text = flags.get(name)
    if (text === undefined) return fallback
    const n = Number(text)
    if (text === '' || !Number.isFinite(n) || n < min || n > max)
        fail(`--${name} must be a number from ${min} to ${max}, got ${JSON.stringify(text)}`)
    return n
}

if (flags.has('make-key')) {
    const { generateKeyPairSync } = await import('node:crypto')
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(flags.get('make-key')!, JSON.stringify(privateKey.export({ format: 'jwk' })), { mode: 0o600 })
    console.log(JSON.stringify(publicKey.export({ format: 'jwk' })))
    process.exit(0)
}
if (flags.has('key')) process.env.BENCH_PRIVATE_JWK = readFileSync(flags.get('key')!, 'utf8')
else if (flags.has('url')) fail('--url needs --key: the server must trust the key the players sign with')
// Imported after BENCH_PRIVATE_JWK is set: the module reads it once.
const { benchJwk, benchPrivateJwk } = await import('./players.js')

const players = Math.floor(number('players', 1000, 2, 1_000_000))
const roomCount = Math.floor(number('rooms', Math.ceil(players / 10), 1, players / 2))
const perRoom = Math.ceil(players / roomCount)
if (perRoom > 100 && !process.env.ENSEMBLE_MAX_PLAYERS_LIMIT)
    fail(`${perRoom} players a room is more than the default room limit (100): use more --rooms`)
const durationS = number('duration', 60, 1, 24 * 3600)
const chatPerMinute = number('chat', 6, 0, 600)
const roundS = number('round', 5, 0.1, 3600)
const drainS = number('drain', 5, 0, 600)
const workerCount = Math.floor(number('workers', Math.min(4, Math.ceil(players / 2500)), 1, 64))
const concurrency = Math.floor(number('concurrency', 16, 1, 1000))
const json = flags.has('json')
const metricsToken = flags.get('metrics-token')
const log = (line: string) => process.stderr.write(`${line}\n`)

// Rooms get consecutive player numbers, sizes differing by one at most; the first of each creates it.
const filled: number[][] = Array.from({ length: roomCount }, (_, r) => {
    const from = Math.floor((r * players) / roomCount)
    return Array.from({ length: Math.floor(((r + 1) * players) / roomCount) - from }, (_, k) => from + k)
})

type Scrape = { at: number; samples: ReturnType<typeof parseExposition> }

async function scrape(address: string): Promise<Scrape> {
    const res = await fetch(`${address}/metrics`, { headers: metricsToken ? { authorization: `Bearer ${metricsToken}` } : {} })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`)
    return { at: performance.now(), samples: parseExposition(text) }
}

let server: LoadServer | undefined
const children: Child<object>[] = []
const cleanup = async () => {
    await Promise.all(children.map((c) => c.stop()))
    await server?.stop()
}
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)))

async function main() {
    let address = flags.get('url')?.replace(/\/$/, '')
    if (!address) {
        server = await startLoadServer(benchJwk)
        address = server.address
        log(`server: pid ${server.pid} at ${address}`)
    }
    const env = { BENCH_PRIVATE_JWK: JSON.stringify(benchPrivateJwk()) }
    for (let w = 0; w < workerCount; w++) children.push(await startChild<object>('./load-worker.js', [], env))
    const request = async <R>(child: Child<object>, message: unknown): Promise<R> => {
        const reply = await child.request<R & { failed?: string }>(message)
        if (reply.failed) throw new Error(`generator process failed: ${reply.failed}`)
        return reply
    }

    // Sampled every second, one scrape at a time: the server's memory, event-loop delay and CPU.
    // prom-client resets its loop histogram at each scrape, so each sample covers the time since the
    // one before (overlapping scrapes would read an empty histogram).
    const samples: Scrape[] = []
    const scrapeErrors: Tally = {}
    const first = await scrape(address)
    let sampling = true
    const sampler = (async () => {
        while (sampling) {
            const started = performance.now()
            try {
                samples.push(await scrape(address!))
            } catch (e) {
                const err = e as Error
                bump(scrapeErrors, `GET /metrics failed (${(err.cause instanceof Error ? err.cause.message : err.message).slice(0, 80)})`)
            }
            await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - started))))
        }
    })()

    log(`setup: ${players} players in ${filled.length} rooms of up to ${perRoom}, ${workerCount} generator process(es)`)
    const setupStart = performance.now()
    const setups = await Promise.all(
        children.map((child, w) =>
            request<SetupReply>(child, {
                type: 'setup',
                address,
                worker: w,
                rooms: filled.filter((_, i) => i % workerCount === w),
                maxPlayers: perRoom,
                concurrency,
            } satisfies WorkerSetup),
        ),
    )
    const setupMs = performance.now() - setupStart
    const connected = setups.reduce((n, s) => n + s.connected, 0)
    log(`setup: ${connected} players connected in ${(setupMs / 1000).toFixed(1)} s; playing for ${durationS} s`)

    const before = await scrape(address)
    const cpuBefore = process.cpuUsage()
    // Commands sent before the stop get this long for their events before they count as missing.
    const drainMs = drainS * 1000
    const loadBefore = loadavg()[0]!
    const runs = await Promise.all(
        children.map((child) =>
            request<RunReply>(child, {
                type: 'run',
                durationMs: durationS * 1000,
                drainMs,
                chatPerMinute,
                roundMs: roundS * 1000,
            } satisfies WorkerRun),
        ),
    )
    const after = await scrape(address)
    const parentRunCpu = process.cpuUsage(cpuBefore)
    sampling = false
    await sampler
    const loadAfter = loadavg()[0]!
    await Promise.all(children.map((c) => request(c, { type: 'close' })))
    // The server counts a close once it has handled it: wait until it has seen them all (10 s at most).
    let closed = await scrape(address)
    for (let waited = 0; sumOf(closed.samples, 'ensemble_connected_players') > 0 && waited < 10_000; waited += 200) {
        await new Promise((r) => setTimeout(r, 200))
        closed = await scrape(address)
    }
    const serverLog = server?.errorLines() ?? { count: 0, first: [] }
    await cleanup()

    // Figures.
    const runMs = after.at - before.at
    const merge = (list: Record<string, import('./load-stats.js').HistogramData>[]) => {
        const out = new Map<string, LatencyHistogram>()
        for (const item of list) {
            for (const [kind, data] of Object.entries(item)) {
                const h = out.get(kind) ?? new LatencyHistogram()
                h.merge(data)
                out.set(kind, h)
            }
        }
        return out
    }
    const row = (h: LatencyHistogram) => ({ samples: h.n, p50: h.percentile(0.5), p99: h.percentile(0.99), max: h.max })
    const setupLatency = Object.fromEntries([...merge(setups.map((s) => s.latency))].map(([k, h]) => [k, row(h)]))
    const runHistograms = merge(runs.map((r) => r.latency))
    const all = new LatencyHistogram()
    for (const h of runHistograms.values()) all.merge(h.toJSON())
    const order = ['chat → others', 'chat → own echo', 'level select → all', 'ready → all', 'round start → all', 'result → others']
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length)
    const sorted = [...runHistograms].sort(([a], [b]) => rank(a) - rank(b))
    const eventLatency = Object.fromEntries([...sorted.map(([k, h]) => [k, row(h)]), ['all of the above', row(all)]])

    const errors: Tally = {}
    for (const s of setups) addTally(errors, s.errors)
    for (const r of runs) addTally(errors, r.errors)
    addTally(errors, scrapeErrors)
    if (serverLog.count > 0) errors['server log lines at error level'] = serverLog.count
    const errorCount = Object.values(errors).reduce((a, b) => a + b, 0)
    const clientRefusals: Tally = {}
    const counts: Tally = {}
    for (const r of runs) {
        addTally(clientRefusals, r.refusals)
        addTally(counts, r.counts)
    }
    const mb = (bytes: number) => bytes / 1024 / 1024
    const during = samples.filter((s) => s.at >= before.at && s.at <= after.at)
    const series = (name: string, list: Scrape[]) => list.map((s) => sumOf(s.samples, name))
    const rss = series('ensemble_process_resident_memory_bytes', during)
    const heap = series('ensemble_nodejs_heap_size_used_bytes', during)
    // A histogram without a sample since the last scrape reads 0 (or a few ns): left out.
    const positive = (xs: number[]) => xs.filter((x) => x > 0.001)
    const lagP99 = positive(series('ensemble_nodejs_eventloop_lag_p99_seconds', during))
    const lagMax = positive(series('ensemble_nodejs_eventloop_lag_max_seconds', during))
    const lagMean = positive(series('ensemble_nodejs_eventloop_lag_mean_seconds', during))
    const delta = (name: string, labels: Record<string, string> = {}) => sumOf(after.samples, name, labels) - sumOf(before.samples, name, labels)
    const generatorCpu = runs.reduce((n, r) => n + r.cpuMicros, 0) + parentRunCpu.user + parentRunCpu.system
    const pct = (cpuSeconds: number) => (100 * cpuSeconds) / (runMs / 1000)
    const median = (xs: number[]) => (xs.length ? xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : NaN)

    const report = {
        command: `npm run load -- ${process.argv.slice(2).join(' ')}`.trim(),
        when: new Date().toISOString(),
        options: {
            players,
            rooms: filled.length,
            perRoom,
            durationS,
            chatPerMinute,
            roundS,
            workers: workerCount,
            concurrency,
            url: flags.get('url') ?? null,
        },
        setup: { connected, seconds: setupMs / 1000, latencyMs: setupLatency },
        run: {
            seconds: runMs / 1000,
            roundsCompleted: counts['rounds completed'] ?? 0,
            commandsSent: counts['commands sent'] ?? 0,
            eventsReceived: counts['events received'] ?? 0,
            serverEventsSentPerSecond: delta('ensemble_events_sent_total') / (runMs / 1000),
            serverBytesSentPerSecond: delta('ensemble_event_bytes_sent_total') / (runMs / 1000),
            serverRoundsStarted: delta('ensemble_rounds_started_total'),
            serverRoundsFinished: delta('ensemble_rounds_finished_total'),
        },
        latencyMs: eventLatency,
        refused: {
            server: tallyDelta(
                byLabel(after.samples, 'ensemble_commands_refused_total', 'reason'),
                byLabel(first.samples, 'ensemble_commands_refused_total', 'reason'),
            ),
            seenByClients: clientRefusals,
        },
        errors,
        errorCount,
        serverLogErrors: serverLog.first,
        server: {
            rssMB: {
                beforeJoin: mb(sumOf(first.samples, 'ensemble_process_resident_memory_bytes')),
                afterJoin: mb(sumOf(before.samples, 'ensemble_process_resident_memory_bytes')),
                peak: mb(Math.max(...rss, 0)),
                end: mb(sumOf(after.samples, 'ensemble_process_resident_memory_bytes')),
            },
            heapUsedMB: {
                beforeJoin: mb(sumOf(first.samples, 'ensemble_nodejs_heap_size_used_bytes')),
                afterJoin: mb(sumOf(before.samples, 'ensemble_nodejs_heap_size_used_bytes')),
                peak: mb(Math.max(...heap, 0)),
                end: mb(sumOf(after.samples, 'ensemble_nodejs_heap_size_used_bytes')),
            },
            eventLoopLagMs: {
                meanMedianSecond: median(lagMean) * 1000,
                p99WorstSecond: Math.max(...lagP99, 0) * 1000,
                p99MedianSecond: median(lagP99) * 1000,
                max: Math.max(...lagMax, 0) * 1000,
            },
            cpuPercentOfOneCore: pct(delta('ensemble_process_cpu_seconds_total')),
            // What one sent event costs, commands and store writes included: comparable across machines and loads.
            cpuMicrosPerEventSent: (delta('ensemble_process_cpu_seconds_total') * 1e6) / delta('ensemble_events_sent_total'),
            connectedPlayers: sumOf(before.samples, 'ensemble_connected_players'),
            openRooms: sumOf(before.samples, 'ensemble_open_rooms'),
            websocketClosesAtEnd: tallyDelta(
                byLabel(closed.samples, 'ensemble_websocket_closes_total', 'code'),
                byLabel(first.samples, 'ensemble_websocket_closes_total', 'code'),
            ),
        },
        machine: { cores: cpus().length, loadAverage1m: { runStart: loadBefore, runEnd: loadAfter } },
        generator: {
            processes: workerCount + 1,
            cpuPercentOfOneCore: pct(generatorCpu / 1e6),
            eventLoopDelayMs: { p99: Math.max(...runs.map((r) => r.loop.p99)), max: Math.max(...runs.map((r) => r.loop.max)) },
        },
    }
    if (json) console.log(JSON.stringify(report, null, 2))
    else console.log(table(report))
    process.exitCode = errorCount > 0 ? 1 : 0
}

main().catch(async (e) => {
    process.stderr.write(`load: ${(e as Error).stack ?? e}\n`)
    await cleanup().catch(() => {})
    process.exit(1)
})
