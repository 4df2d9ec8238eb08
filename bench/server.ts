// A real Ensemble for the benchmarks, in its own process: SQLite in a temp dir (or BENCH_DATABASE_URL; a cluster node
// with ENSEMBLE_REDIS_URL, ENSEMBLE_ADDRESS, ENSEMBLE_NODE_URL and BENCH_PORT), signatures checked
// against the bench's key, the multiplayer gateway attached. BENCH_UNLIMITED=1 lifts the chat and
// flood limits (the fan-out benchmark measures delivery, not the limits). Answers {type:'memory'}
// over IPC with its memory after a full GC, {type:'cpu'} with its CPU time. Event-loop delay, GC and
// join latency come from its /metrics, as for the default-configuration server (bench/servers.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { copyListener } from '../src/http/listener-copies.js'
import { attachMultiplayer, type MultiplayerAttachment } from '../src/transport/attach.js'

const dataDir = mkdtempSync(join(tmpdir(), 'ensemble-bench-'))
const { config } = loadConfig({
    env: {
        ENSEMBLE_DATA_DIR: dataDir,
        ENSEMBLE_SIGNATURE_PUBLIC_KEY: process.env.BENCH_JWK!,
        // BENCH_LOG_LEVEL measures what logging costs (info: the default configuration); silent otherwise.
        ENSEMBLE_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
        ...(process.env.ENSEMBLE_ACCESS_LOG ? { ENSEMBLE_ACCESS_LOG: process.env.ENSEMBLE_ACCESS_LOG } : {}),
        ENSEMBLE_HOST: '127.0.0.1',
        ENSEMBLE_PORT: '0',
        ENSEMBLE_MAX_PLAYERS_LIMIT: '100',
        // Passed through to compare settings.
        ...(process.env.ENSEMBLE_VERIFIER_THREADS ? { ENSEMBLE_VERIFIER_THREADS: process.env.ENSEMBLE_VERIFIER_THREADS } : {}),
        // BENCH_DATABASE_URL=postgres://... runs the server on PostgreSQL (an empty database).
        ...(process.env.BENCH_DATABASE_URL ? { ENSEMBLE_DATABASE_URL: process.env.BENCH_DATABASE_URL } : {}),
        // A cluster node (bench/cluster.ts): its Redis, the shared address and its own URL, passed through.
        ...Object.fromEntries(
            ['ENSEMBLE_REDIS_URL', 'ENSEMBLE_ADDRESS', 'ENSEMBLE_NODE_URL'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])),
        ),
    },
    argv: [],
})
const unlimited = process.env.BENCH_UNLIMITED === '1'
let multiplayer: MultiplayerAttachment | undefined
const app = await buildApp(config, {
    attach: (ctx) =>
        (multiplayer = attachMultiplayer(
            ctx,
            unlimited
                ? {
                      limits: { chat: { burst: 1e9, windowMs: 1000 } },
                      flood: { ratePerSecond: 1e9, burst: 1e9, maxStrikes: 1e9, strikeWindowMs: 1000 },
                  }
                : {},
        )),
})
// BENCH_PORT: a cluster node listens where its node URL says; otherwise any free port, which is the address.
await app.fastify.listen({ port: Number(process.env.BENCH_PORT ?? 0), host: '127.0.0.1' })
// As `npm start` does (src/main.ts): more descriptors of the listening socket, made before the load starts.
const copies = copyListener(app.fastify.server, config.acceptDescriptors - 1, app.fastify.log)
await copies.ready
const { port } = app.fastify.server.address() as { port: number }
if (!process.env.ENSEMBLE_ADDRESS) config.address = `http://127.0.0.1:${port}`

process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') process.send!(process.cpuUsage())
    if (message.type === 'pid') process.send!({ pid: process.pid })
    if (message.type === 'memory') {
        for (let i = 0; i < 3; i++) global.gc?.()
        process.send!({ ...process.memoryUsage(), connections: multiplayer?.gateway.connections ?? 0 })
    }
})
process.on('SIGTERM', () => {
    copies.close()
    void app.close().finally(() => {
        rmSync(dataDir, { recursive: true, force: true })
        process.exit(0)
    })
})
console.log(`READY ${JSON.stringify({ port, address: config.address })}`)
