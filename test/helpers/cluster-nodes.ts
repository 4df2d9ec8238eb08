// A small Ensemble cluster for the cluster tests: its own redis-server on a free port (test/helpers/redis.ts: empty,
// nothing on disk), a throwaway PostgreSQL database, and nodes `node dist/src/main.js` as child processes
// (test/wire/server-process.ts) sharing one public address, each with its own node URL. Nothing is skipped:
// a missing redis-server or an unreachable PostgreSQL fails with a message saying what to install or start.
import { createTestDatabase, postgresSkip, type TestDatabase } from './postgres.js'
import { startTestRedis, type TestRedis } from './redis.js'
import { makeKeys, SonolusHttp, type Keys } from '../wire/sonolus-http.js'
import { freePort, startServerProcess, type ServerProcess } from '../wire/server-process.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A running node: its process, its own URL (ENSEMBLE_NODE_URL) and `host:port` as join urls name it. */
export type ClusterNode = ServerProcess & { name: string; url: string; hostPort: string; running(): boolean }

export type TestCluster = {
    /** The public address every node shares (ENSEMBLE_ADDRESS): signed bodies name it. */
    address: string
    nodes: ClusterNode[]
    redis: TestRedis
    database: TestDatabase
    keys: Keys
    adminToken: string
    /** The Sonolus app talking to `node` (bodies signed for the shared address, times never repeated across nodes). */
    http(node: ClusterNode): SonolusHttp
    /** The node whose URL a join answer's `url` names (undefined: none of them). */
    ownerOf(joinUrl: string): ClusterNode | undefined
    /** Stops every node still running, Redis, and drops the database. */
    close(): Promise<void>
}

export type ClusterOptions = {
    nodes?: number
    /** Extra environment for every node. */
    env?: Record<string, string>
}

/** GET /readyz of a node: its status and body. */
export async function readyz(node: { url: string }): Promise<{ status: number; body: { status: string; reason?: string } }> {
    const res = await fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(5000) })
    return { status: res.status, body: (await res.json()) as { status: string; reason?: string } }
}

/** Polls `check` every 50 ms until it returns something other than undefined or false (a throw counts as not yet). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: string | undefined
    for (;;) {
        try {
            const value = await check()
            if (value !== undefined && value !== false) return value
            last = undefined
        } catch (e) {
            last = (e as Error).message
        }
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${last})` : ''}`)
        await sleep(50)
    }
}

export async function startCluster(options: ClusterOptions = {}): Promise<TestCluster> {
    const count = options.nodes ?? 3
    const unreachable = await postgresSkip()
    if (unreachable) throw new Error(`${unreachable}: the cluster tests need PostgreSQL (start it, or set ENSEMBLE_TEST_POSTGRES_URL)`)
    const keys = makeKeys()
    const adminToken = 'cluster-test-admin-token-0123456789'
    const redis = await startTestRedis()
    const database = await createTestDatabase()
    const nodes: ClusterNode[] = []
    const close = async () => {
        await Promise.all(nodes.map((n) => n.stop()))
        await redis.kill()
        await database.drop()
    }
    try {
        const ports = await Promise.all(Array.from({ length: count }, () => freePort()))
        const address = `http://127.0.0.1:${ports[0]}`
        // Started together, as an operator's nodes would be: the PostgreSQL migration runs once under its lock.
        const started = await Promise.allSettled(
            ports.map(async (port, i) => {
                const url = `http://127.0.0.1:${port}`
                const proc = await startServerProcess(
                    keys.publicJwk,
                    {
                        ENSEMBLE_ADDRESS: address,
                        ENSEMBLE_NODE_URL: url,
                        ENSEMBLE_DATABASE_URL: database.url,
                        ENSEMBLE_REDIS_URL: redis.url,
                        ENSEMBLE_ADMIN_TOKEN: adminToken,
                        // Room passwords are not what these tests are about: cheap hashes.
                        ENSEMBLE_PASSWORD_SCRYPT_N: '1024',
                        ...options.env,
                    },
                    // Three nodes starting at once on a busy machine (each migrates or waits for the migration lock).
                    { port, startTimeoutMs: 60_000 },
                )
                let running = true
                void proc.exited.then(() => (running = false))
                const node: ClusterNode = { ...proc, name: String.fromCharCode(65 + i), url, hostPort: `127.0.0.1:${port}`, running: () => running }
                nodes.push(node)
                return node
            }),
        )
        const failed = started.find((s) => s.status === 'rejected')
        if (failed) throw (failed as PromiseRejectedResult).reason
        nodes.sort((a, b) => a.name.localeCompare(b.name))
        const clock = { last: 0 }
        for (const node of nodes) await eventually(`node ${node.name} ready`, async () => (await readyz(node)).status === 200)
        return {
            address,
            nodes,
            redis,
            database,
            keys,
            adminToken,
            http: (node) => new SonolusHttp(address, keys, node.url, clock),
            ownerOf: (joinUrl) => nodes.find((n) => new URL(joinUrl).host === n.hostPort),
            close,
        }
    } catch (e) {
        await close().catch(() => {})
        throw e
    }
}
