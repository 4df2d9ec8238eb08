// SIGTERM with slow clients connected: `node dist/src/main.js` (default timeouts: 30 s per request)
// exits 0 promptly, although clients sent headers with a Content-Length and then nothing, and others
// hold idle keep-alive connections or half their headers.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { get, RawConnection } from '../helpers/raw-http.js'

const main = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/main.js')

test('SIGTERM exits promptly while slow clients are connected', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ensemble-shutdown-'))
    const child = spawn(process.execPath, [main, '--port', '0', '--host', '127.0.0.1', '--data-dir', dir, '--verifier-threads', '0'], {
        env: { PATH: process.env.PATH },
        stdio: ['ignore', 'pipe', 'pipe'],
    })
    const conns: RawConnection[] = []
    try {
        let out = ''
        const port = await new Promise<number>((ok, fail) => {
            child.stdout.on('data', (d: Buffer) => {
                out += d
                const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
                if (m) ok(Number(m[1]))
            })
            child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)))
        })
        for (let i = 0; i < 3; i++) {
            const slow = await RawConnection.open(port)
            slow.write('POST /sonolus/authenticate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"type":')
            conns.push(slow)
        }
        const partial = await RawConnection.open(port)
        partial.write('GET /sonolus/info HTTP/1.1\r\nHost: te')
        const idle = await RawConnection.open(port)
        idle.write(get('/healthz'))
        assert.equal((await idle.response()).status, 200)
        conns.push(partial, idle)
        // Let the server read the slow requests' headers.
        await new Promise((r) => setTimeout(r, 200))

        const exit = new Promise<number | null>((ok) => child.on('exit', ok))
        const started = Date.now()
        child.kill('SIGTERM')
        const code = await Promise.race([exit, new Promise<string>((ok) => setTimeout(() => ok('still running after 5 s'), 5000))])
        assert.equal(code, 0)
        const took = Date.now() - started
        assert.ok(took < 5000, `took ${took} ms`)
        for (const c of conns) await c.closedWithin(1000)
    } finally {
        for (const c of conns) c.destroy()
        child.kill('SIGKILL')
        await rm(dir, { recursive: true, force: true })
    }
})

describe('graceful close in process', () => {
    /** An app with a route whose handler takes `handlerMs`, listening on a free port. */
    const start = async (handlerMs: number, shutdownTimeoutMs: number) => {
        const dataDir = await mkdtemp(join(tmpdir(), 'ensemble-drain-'))
        const { config } = loadConfig({
            env: { ENSEMBLE_DATA_DIR: dataDir, ENSEMBLE_LOG_LEVEL: 'silent', ENSEMBLE_VERIFIER_THREADS: '0' },
            argv: [],
        })
        const app = await buildApp({ ...config, shutdownTimeoutMs })
        app.fastify.get('/slow-handler', async () => {
            await new Promise((r) => setTimeout(r, handlerMs))
            return { done: true }
        })
        await app.fastify.listen({ port: 0, host: '127.0.0.1' })
        const { port } = app.fastify.server.address() as { port: number }
        return { app, port, cleanup: () => rm(dataDir, { recursive: true, force: true }) }
    }

    test('a request being handled finishes (Connection: close); a silent client is cut at once', async () => {
        const { app, port, cleanup } = await start(400, 10_000)
        try {
            const busy = await RawConnection.open(port)
            busy.write(get('/slow-handler'))
            const silent = await RawConnection.open(port)
            silent.write('POST /sonolus/authenticate HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n')
            await new Promise((r) => setTimeout(r, 100))
            const started = Date.now()
            const closed = app.close()
            await silent.closedWithin(300)
            const res = await busy.response()
            assert.equal(res.status, 200)
            assert.deepEqual(JSON.parse(res.body), { done: true })
            assert.equal(res.headers['connection'], 'close')
            await busy.closedWithin(1000)
            await closed
            assert.ok(Date.now() - started < 2000)
        } finally {
            await app.close()
            await cleanup()
        }
    })

    test('a handler slower than ENSEMBLE_SHUTDOWN_TIMEOUT is cut when it runs out', async () => {
        const { app, port, cleanup } = await start(10_000, 300)
        try {
            const busy = await RawConnection.open(port)
            busy.write(get('/slow-handler'))
            await new Promise((r) => setTimeout(r, 100))
            const started = Date.now()
            await app.close()
            const took = Date.now() - started
            assert.ok(took >= 250 && took < 3000, `close took ${took} ms`)
            await busy.closedWithin(500)
        } finally {
            await cleanup()
        }
    })
})
