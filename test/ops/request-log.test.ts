// Request logs: by default no line for a request that went well, one line (with its request id) for a
// failed or slow one, 4xx only at debug; ENSEMBLE_ACCESS_LOG=true gives the two lines per request back.
// Session tokens, signatures, room keys and passwords never appear in any line.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { buildApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

type Line = { level: number; msg: string; reqId?: string } & Record<string, unknown>

async function withServer(
    overrides: Partial<Config>,
    run: (get: (path: string, headers?: Record<string, string>) => Promise<number>, lines: Line[], store: SqliteStore) => Promise<void>,
) {
    const dir = await mkdtemp(join(tmpdir(), 'ensemble-log-'))
    const { config: loaded } = loadConfig({
        env: { ENSEMBLE_DATA_DIR: dir, ENSEMBLE_HOST: '127.0.0.1', ENSEMBLE_PORT: '0', ENSEMBLE_VERIFIER_THREADS: '0' },
        argv: [],
    })
    const config = { ...loaded, ...overrides }
    const lines: Line[] = []
    const store = new SqliteStore({ path: join(dir, 'db.sqlite'), checkpointThread: false })
    const app = await buildApp(config, { store, logStream: { write: (line) => void lines.push(JSON.parse(line) as Line) } })
    await app.fastify.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.fastify.server.address() as { port: number }
    const get = async (path: string, headers: Record<string, string> = {}) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers })
        await res.arrayBuffer()
        return res.status
    }
    try {
        await run(get, lines, store)
    } finally {
        await app.close()
        await rm(dir, { recursive: true, force: true })
    }
}

const secrets = {
    authorization: 'Bearer tok-SECRET-1',
    'sonolus-session': 'sess-SECRET-2',
    'sonolus-signature': 'sig-SECRET-3',
    'sonolus-room-key': 'key-SECRET-4',
    cookie: 'c=SECRET-5',
}
const noSecrets = (lines: Line[]) => {
    const text = JSON.stringify(lines)
    assert.doesNotMatch(text, /SECRET/)
}

test('default: nothing for good requests, 4xx only at debug, one line with a request id for a 5xx', async () => {
    await withServer({ logLevel: 'info' }, async (get, lines, store) => {
        const before = lines.length
        assert.equal(await get('/healthz', secrets), 200)
        assert.equal(await get('/sonolus/info'), 200)
        assert.equal(await get('/no/such/path?password=hunter2', secrets), 404)
        assert.equal(lines.length, before, JSON.stringify(lines.slice(before)))
        store.db.close()
        const { authorization: _a, 'sonolus-session': _s, ...unsigned } = secrets
        assert.equal(await get('/api/rooms?password=hunter2', unsigned), 500)
        const failed = lines.slice(before).filter((l) => l.msg === 'request failed')
        assert.equal(failed.length, 1)
        assert.equal(typeof failed[0]!.reqId, 'string')
        assert.equal(failed[0]!.statusCode, 500)
        // One line for the failed request, with its error.
        const forRequest = lines.slice(before).filter((l) => l.reqId === failed[0]!.reqId)
        assert.equal(forRequest.length, 1)
        assert.match(JSON.stringify(failed[0]!.err), /closed|not open/i)
        assert.ok(
            lines.slice(before).every((l) => l.reqId !== undefined),
            'every request line has a request id',
        )
        assert.match(JSON.stringify(failed[0]!.req), /password=\*\*\*/)
        assert.doesNotMatch(JSON.stringify(lines), /hunter2/)
        noSecrets(lines)
    })
})

test('debug: a refused request is one line; slow requests are logged at warn', async () => {
    await withServer({ logLevel: 'debug', slowRequestMs: 0 }, async (get, lines) => {
        const before = lines.length
        assert.equal(await get('/no/such/path', secrets), 404)
        assert.equal(await get('/healthz', secrets), 200)
        const mine = lines.slice(before)
        assert.deepEqual(
            mine.map((l) => l.msg),
            ['slow request', 'slow request'],
        )
        noSecrets(lines)
    })
    await withServer({ logLevel: 'debug' }, async (get, lines) => {
        const before = lines.length
        assert.equal(await get('/no/such/path'), 404)
        assert.deepEqual(
            lines.slice(before).map((l) => [l.msg, l.level]),
            [['request refused', 20]],
        )
    })
})

test('ENSEMBLE_ACCESS_LOG=true: two lines per request, still without secrets', async () => {
    await withServer({ logLevel: 'info', accessLog: true }, async (get, lines) => {
        const before = lines.length
        assert.equal(await get('/healthz?password=hunter2', secrets), 200)
        const mine = lines.slice(before)
        assert.deepEqual(
            mine.map((l) => l.msg),
            ['incoming request', 'request completed'],
        )
        assert.equal(mine[0]!.reqId, mine[1]!.reqId)
        assert.doesNotMatch(JSON.stringify(lines), /hunter2/)
        noSecrets(lines)
    })
})
