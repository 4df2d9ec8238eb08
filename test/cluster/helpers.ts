// Shared pieces of the Redis cluster tests: nodes on a random key prefix of the machine's Redis, a node
// in a child process to kill -9, and polling (a private redis-server is test/helpers/redis.ts).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after } from 'node:test'
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

/** Nodes on a fresh key prefix of the machine's Redis, stopped and their keys removed after the suite. */
export function nodesOnSharedRedis() {
    const prefix = randomPrefix()
    const nodes = nodeFactory(prefix)
    const redis = new Redis(sharedRedisUrl)
    after(async () => {
        await nodes.stopAll()
        const keys = await redis.keys(`${prefix}*`)
        if (keys.length) await redis.del(...keys)
        redis.disconnect()
    })
    return { prefix, nodes, redis }
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
