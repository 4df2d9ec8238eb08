// Two Ensemble nodes in this process on one throwaway PostgreSQL database and a redis-server of the test's
// own (which the test may kill), for tests that look inside the nodes while the cluster misbehaves. The
// child-process cluster (cluster-nodes.ts) is for what a user sees from outside.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import type { Config } from '../../src/config.js'
import { startMultiplayerServer, type MultiplayerServer } from './multiplayer.js'
import { createTestDatabase, type TestDatabase } from './postgres.js'
import { startTestRedis, type TestRedis } from './redis.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `check` holds, polling every 50 ms; fails saying what did not happen. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
        await sleep(50)
    }
}

export type TwoNodes = {
    /** The node the next room is placed on (both empty: the same one from either). */
    owner: MultiplayerServer
    other: MultiplayerServer
    redis: TestRedis
    db: TestDatabase
    id(server: MultiplayerServer): string
    /** A join answer's url pointed at the owner's real port (a node's own url is read before it listens on port 0). */
    onOwner<T extends { url: string }>(answer: T): T
    close(): Promise<void>
}

export async function startTwoNodes(config: Partial<Config> = {}): Promise<TwoNodes> {
    const db = await createTestDatabase()
    const redis = await startTestRedis()
    const servers: MultiplayerServer[] = []
    // One data directory for both: under ENSEMBLE_TEST_STORE=postgres (npm run test:postgres) the test servers
    // take a schema per data directory instead of config.database, and the two nodes must share one store.
    const dataDir = await mkdtemp(joinPath(tmpdir(), 'ensemble-two-nodes-'))
    const close = async () => {
        for (const server of servers) await server.close()
        await redis.kill()
        await db.drop()
        await rm(dataDir, { recursive: true, force: true })
    }
    try {
        const full = { database: { kind: 'postgres' as const, url: db.url }, redisUrl: redis.url, ...config }
        for (let i = 0; i < 2; i++) servers.push(await startMultiplayerServer(full, { dataDir }))
        const id = (s: MultiplayerServer) => s.app.cluster.nodes.selfId
        await until('each node sees the other', () => servers.every((s) => s.app.cluster.nodes.alive().length === 2))
        const placed = servers[0]!.app.cluster.nodes.placeNewRoom()
        const owner = servers.find((s) => id(s) === placed)!
        const other = servers.find((s) => s !== owner)!
        const ws = owner.origin.replace(/^http/, 'ws')
        return { owner, other, redis, db, id, onOwner: (answer) => ({ ...answer, url: answer.url.replace(/^ws:\/\/[^/]+/, ws) }), close }
    } catch (err) {
        await close()
        throw err
    }
}
