// Child process of the slow-consumer test: the real app and WebSocket gateway on a temp SQLite data
// directory, with the in-game chat limits lifted (long lines, no rate limit) so a test can fan out
// megabytes of chat quickly. Prints `listening <port>` once up, then `mem <rss> <heapUsed> <external>`
// (bytes) every 25 ms; for each line `live` on stdin, `live <rss> <heapUsed> <external>` read right after
// a full collection (run with --expose-gc): what is held, not garbage waiting. Logs go to stderr. Run without
// arguments (as the test runner does with every file here) it does nothing.
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { attachMultiplayer } from '../../src/transport/attach.js'

const [dataDir, publicJwk, maxBufferedBytes] = process.argv.slice(2)
if (dataDir && publicJwk && maxBufferedBytes) {
    const { config } = loadConfig({
        env: {
            ENSEMBLE_DATA_DIR: dataDir,
            ENSEMBLE_SIGNATURE_PUBLIC_KEY: publicJwk,
            ENSEMBLE_LOG_LEVEL: 'warn',
            ENSEMBLE_HOST: '127.0.0.1',
            ENSEMBLE_PORT: '0',
            ENSEMBLE_MAX_BUFFERED_BYTES: maxBufferedBytes,
        },
        argv: [],
    })
    const unlimited = { burst: 1e9, windowMs: 1 }
    const app = await buildApp(config, {
        logStream: { write: (line: string) => void process.stderr.write(line) },
        attach: (ctx) =>
            attachMultiplayer(ctx, {
                limits: { chatMaxLength: 16_000, chat: unlimited },
                flood: { ratePerSecond: 1e6, burst: 1e6, maxStrikes: 1e6, strikeWindowMs: 1000 },
            }),
    })
    await app.fastify.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.fastify.server.address() as { port: number }
    // Joins are signed for this address.
    config.address = `http://127.0.0.1:${port}`
    process.stdout.write(`listening ${port}\n`)
    const report = (kind: string) => {
        const m = process.memoryUsage()
        process.stdout.write(`${kind} ${m.rss} ${m.heapUsed} ${m.external}\n`)
    }
    setInterval(() => report('mem'), 25)
    process.stdin.on('data', () => {
        ;(globalThis as { gc?: () => void }).gc?.()
        report('live')
    })
    process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
}
