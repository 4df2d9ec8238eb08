// A real Ensemble on a free port with a SQLite file in a temp dir, signature checks against a test key,
// and a clock tests can move. Reused by the WebSocket tests: pass `attach` to plug the gateway in.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, type App, type AppDeps } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { LiveRoomSource } from '../../src/rooms/live-info.js'
import type { Store } from '../../src/store/store.js'
import { validateSonolusAnswer } from '../schema/validate.js'
import { postgresTestStore } from './postgres.js'
import { testKeys, type TestKeys } from './signing.js'

export type TestClock = {
    now(): number
    /** Moves the server's clock (and the time tests sign with) forward. */
    advance(ms: number): void
}

export type TestResponse<T = any> = { status: number; headers: Headers; body: T; text: string }

export type RequestOptions = {
    headers?: Record<string, string>
    /** An object is sent as JSON; a string or Buffer as is (with Content-Type: application/json). */
    body?: unknown
    query?: Record<string, string | number | boolean>
}

export type TestServer = {
    app: App
    config: Config
    keys: TestKeys
    clock: TestClock
    dataDir: string
    /** http://127.0.0.1:<port> (no base path). */
    origin: string
    /** origin + basePath: where /sonolus/... lives. */
    base: string
    request<T = any>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>
    close(): Promise<void>
}

export type TestServerOptions = {
    /** Config fields to override (address defaults to the real listening address). */
    config?: Partial<Config>
    liveRooms?: LiveRoomSource
    attach?: AppDeps['attach']
    /** Reuse a data directory (restart tests); a fresh temp dir otherwise. */
    dataDir?: string
    passwords?: AppDeps['passwords']
    /** Makes the store from the config (e.g. a SqliteStore wrapped to inject a fault); the app closes it. */
    store?: (config: Config) => Store
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
    const keys = testKeys()
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ensemble-test-')))
    const { config: loaded } = loadConfig({
        env: {
            ENSEMBLE_DATA_DIR: dataDir,
            ENSEMBLE_SIGNATURE_PUBLIC_KEY: JSON.stringify(keys.publicJwk),
            ENSEMBLE_LOG_LEVEL: 'silent',
            ENSEMBLE_HOST: '127.0.0.1',
            ENSEMBLE_PORT: '0',
            // Tests create many private rooms: a cheap scrypt keeps them fast (the default 2^17 is 128 MiB a hash).
            ENSEMBLE_PASSWORD_SCRYPT_N: '1024',
        },
        argv: [],
    })
    const config: Config = { ...loaded, ...options.config }
    let offset = 0
    const clock: TestClock = { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) }
    // ENSEMBLE_TEST_STORE=postgres runs the suite on PostgreSQL (one schema per data directory, so restarts find their data).
    const store =
        options.store?.(config) ??
        (process.env.ENSEMBLE_TEST_STORE === 'postgres'
            ? (onCommit: (seconds: number) => void) => postgresTestStore(dataDir, clock.now, onCommit)
            : undefined)
    const app = await buildApp(config, {
        now: clock.now,
        liveRooms: options.liveRooms,
        attach: options.attach,
        passwords: options.passwords,
        ...(store ? { store } : {}),
    })
    await app.fastify.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.fastify.server.address() as { port: number }
    const origin = `http://127.0.0.1:${port}`
    // The address is only known once listening; config is read per request, so setting it now is enough.
    if (options.config?.address === undefined) config.address = `${origin}${config.basePath}`
    const base = `${origin}${config.basePath}`

    const request = async <T>(method: string, path: string, opts: RequestOptions = {}): Promise<TestResponse<T>> => {
        const url = new URL(base + path)
        for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v))
        const headers: Record<string, string> = { ...opts.headers }
        let body: string | Buffer | undefined
        if (opts.body !== undefined) {
            body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body)
            headers['content-type'] ??= 'application/json'
        }
        const res = await fetch(url, { method, headers, body })
        const text = await res.text()
        let parsed: unknown
        try {
            parsed = text ? JSON.parse(text) : undefined
        } catch {
            parsed = undefined
        }
        // Every Sonolus answer a test sees must match the official types (test/schema/validate.ts).
        const problem = validateSonolusAnswer(method, path.split('?')[0]!, res.status, text)
        if (problem) throw new Error(`answer does not match the Sonolus types: ${problem}`)
        return { status: res.status, headers: res.headers, body: parsed as T, text }
    }

    return {
        app,
        config,
        keys,
        clock,
        dataDir,
        origin,
        base,
        request,
        close: async () => {
            await app.close()
            if (!options.dataDir) await rm(dataDir, { recursive: true, force: true })
        },
    }
}
