// Shared pieces of the Redis cluster tests: nodes on a random key prefix of the machine's Redis, a
// private redis-server to kill and restart, a node in a child process to kill -9, and polling.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import type { Cluster, PublishedRoom } from '../../src/cluster/cluster.js'
import { redisCluster, type RedisClusterOptions } from '../../src/cluster/redis.js'

export const sharedRedisUrl = process.env.ENSEMBLE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export const randomPrefix = () => `ensemble-test:${randomBytes(6).toString('hex')}:`

/** A log that keeps its lines (tests assert on them) and prints nothing. */
export function memoryLog() {
    const lines: { level: string; msg: string | undefined; o: object; at: number }[] = []
    const at = (level: string) => (o: object, msg?: string) => void lines.push({ level, msg, o, at: Date.now() })
    return { lines, info: at('info'), warn: at('warn'), error: at('error') }
}

/** Fast timings so a dead node is noticed within half a second. */
export const fast = { heartbeatMs: 100, nodeTtlMs: 400, resyncMs: 500 }

export type TestNode = { cluster: Cluster; id: string; log: ReturnType<typeof memoryLog> }

/** Starts nodes sharing one prefix; stopAll() stops every one still running. */
export function nodeFactory(prefix: string, url = sharedRedisUrl) {
    const started: Cluster[] = []
    let count = 0
    return {
        async start(extra: Partial<RedisClusterOptions> = {}): Promise<TestNode> {
            const id = extra.nodeId ?? `node-${++count}-${randomBytes(3).toString('hex')}`
            const log = memoryLog()
            const cluster = redisCluster({ url, nodeId: id, nodeUrl: `http://${id}.test`, log, prefix, ...fast, ...extra })
            await cluster.start()
            started.push(cluster)
            return { cluster, id, log }
        },
        async stopAll(): Promise<void> {
            await Promise.all(started.map((c) => c.stop()))
        },
    }
}

export function room(node: string, extra: Partial<PublishedRoom> = {}): PublishedRoom {
    return { node, members: [], playerCount: 0, maxPlayers: 8, status: 'lobby' as PublishedRoom['status'], level: null, title: 'a room', ...extra }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls until `check` is true; the time it took. Throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<number> {
    const from = Date.now()
    while (!(await check())) {
        if (Date.now() - from > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
        await sleep(5)
    }
    return Date.now() - from
}

export async function freePort(): Promise<number> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    await new Promise((resolve) => server.close(resolve))
    return port
}

async function ping(url: string): Promise<boolean> {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    client.on('error', () => undefined)
    try {
        await client.connect()
        return (await client.ping()) === 'PONG'
    } catch {
        return false
    } finally {
        client.disconnect()
    }
}

/** A redis-server of this test alone (nothing on disk), to kill and restart empty. */
export async function privateRedis() {
    const port = await freePort()
    const url = `redis://127.0.0.1:${port}`
    let child: ChildProcess | undefined
    const server = {
        url,
        port,
        pid: () => child?.pid,
        async start(): Promise<void> {
            child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
            await waitFor('redis-server to answer', () => ping(url), 5000)
        },
        async kill(): Promise<void> {
            const dying = child
            child = undefined
            if (!dying || dying.exitCode !== null) return
            const exited = new Promise((resolve) => dying.once('exit', resolve))
            dying.kill('SIGKILL')
            await exited
        },
    }
    await server.start()
    return server
}

/** A node in a child process (test/cluster/node-child.ts): hosts `rooms`, answers requests with its id. */
export async function childNode(prefix: string, nodeId: string, rooms: string[], url = sharedRedisUrl) {
    const script = fileURLToPath(new URL('./node-child.js', import.meta.url))
    const child = spawn(process.execPath, [script], {
        env: { ...process.env, CHILD_CONFIG: JSON.stringify({ url, prefix, nodeId, rooms, ...fast }) },
        stdio: ['ignore', 'pipe', 'inherit'],
    })
    await new Promise<void>((resolve, reject) => {
        let out = ''
        child.stdout!.on('data', (chunk: Buffer) => {
            out += chunk.toString()
            if (out.includes('ready\n')) resolve()
        })
        child.once('exit', (code) => reject(new Error(`child node exited with ${code} before it was ready`)))
    })
    return {
        child,
        async kill(): Promise<void> {
            if (child.exitCode !== null || child.signalCode !== null) return
            const exited = new Promise((resolve) => child.once('exit', resolve))
            child.kill('SIGKILL')
            await exited
        },
    }
}
