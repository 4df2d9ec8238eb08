// The dead-node sweep on both stores, with the one-node cluster (its registry lists only itself): rooms of
// another node and of no node close, this node's stay, young rooms wait for the grace; failures are logged
// once per streak; sweeps never overlap; stop() ends them. Several real nodes are the integration tests'.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { localCluster } from '../../src/cluster/local.js'
import { DeadNodeSweep, type DeadNodeSweepLog, type DeadNodeSweepOptions } from '../../src/rooms/dead-nodes.js'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import type { Store } from '../../src/store/store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'
import { newRoom } from '../helpers/rooms.js'

const self = 'node-self'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await sleep(10)
    }
}

async function makeRoom(store: Store, name: string, nodeId: string | null, createdAt: number): Promise<void> {
    await store.insertReservation({ name, keyHash: 'k', creatorId: `u-${name}`, values: '', createdAt, expiresAt: createdAt + 60_000 })
    const room = await store.createRoomFromReservation(
        { name, keyHash: 'k', creatorId: `u-${name}`, now: createdAt },
        newRoom(name, { creatorId: `u-${name}`, title: name, nodeId, createdAt }),
    )
    assert.ok(room && typeof room === 'object', `room ${name} created`)
}

const isOpen = async (store: Store, name: string) => (await store.getRoom(name))!.closedAt === null

/** A logger that keeps what it was told. */
function recordingLog(): DeadNodeSweepLog & { errors: string[]; infos: string[] } {
    const errors: string[] = []
    const infos: string[] = []
    return { errors, infos, error: (_obj, msg) => void errors.push(msg), info: (_obj, msg) => void infos.push(msg) }
}

function sweepSuite(label: string, open: () => Promise<Store>, skip: string | false = false) {
    describe(`DeadNodeSweep on ${label}`, { skip }, () => {
        const cluster = () => localCluster({ nodeId: self, nodeUrl: 'http://127.0.0.1:1' })
        const withStore = (name: string, body: (store: Store) => Promise<void>) =>
            test(name, async () => {
                const store = await open()
                try {
                    await body(store)
                } finally {
                    await store.close()
                }
            })

        withStore("rooms of another node and of none close, this node's stay; a young room waits for the grace", async (store) => {
            const t = Date.now()
            const graceMs = 1500
            await makeRoom(store, 'mine-old', self, t - 60_000)
            await makeRoom(store, 'mine-young', self, t)
            await makeRoom(store, 'other-old', 'node-gone', t - 60_000)
            await makeRoom(store, 'legacy', null, t - 60_000)
            // Created by a node whose heartbeat has not been read yet: kept until the grace has passed.
            const young = Date.now()
            await makeRoom(store, 'other-young', 'node-new', young)
            const closed: string[][] = []
            const log = recordingLog()
            const sweep = new DeadNodeSweep({
                store,
                nodes: cluster().nodes,
                intervalMs: 20,
                graceMs,
                now: Date.now,
                onClosed: (n) => closed.push(n),
                log,
            })

            assert.deepEqual((await sweep.sweepNow()).sort(), ['legacy', 'other-old'])
            assert.deepEqual(
                closed.map((n) => [...n].sort()),
                [['legacy', 'other-old']],
            )
            assert.equal((await store.getRoom('other-old'))!.closedAt! >= t, true, 'closed now')
            for (const name of ['mine-old', 'mine-young', 'other-young']) assert.equal(await isOpen(store, name), true, `${name} kept`)

            sweep.start()
            try {
                await until(async () => !(await isOpen(store, 'other-young')), 'the young room to close once the grace passed')
                assert.ok(Date.now() >= young + graceMs, 'not before the grace')
                assert.deepEqual(closed.at(-1), ['other-young'], 'told once, by the sweep that closed it')
                await sleep(100)
                assert.equal(closed.length, 2, 'nothing is closed twice')
                for (const name of ['mine-old', 'mine-young']) assert.equal(await isOpen(store, name), true, `${name} kept`)
            } finally {
                await sweep.stop()
            }
            assert.deepEqual(log.errors, [])

            // Stopped: nothing more is swept.
            await makeRoom(store, 'after-stop', 'node-gone', t - 60_000)
            await sleep(100)
            assert.equal(await isOpen(store, 'after-stop'), true)
        })

        withStore('this node is alive even when the registry read leaves it out; an unknown answer closes nothing', async (store) => {
            const t = Date.now()
            await makeRoom(store, 'mine', self, t - 60_000)
            await makeRoom(store, 'peer', 'node-peer', t - 60_000)
            await makeRoom(store, 'gone', 'node-gone', t - 60_000)
            let answer: { ids: string[]; at: number } | undefined = undefined
            const nodes = { selfId: self, aliveNow: async () => answer }
            const sweep = new DeadNodeSweep({ store, nodes, now: Date.now, onClosed: () => {}, log: recordingLog() })
            assert.deepEqual(await sweep.sweepNow(), [], 'unknown: nothing closed')
            assert.equal(await isOpen(store, 'gone'), true)
            answer = { ids: ['node-peer'], at: Date.now() }
            assert.deepEqual(await sweep.sweepNow(), ['gone'])
            assert.equal(await isOpen(store, 'mine'), true)
            assert.equal(await isOpen(store, 'peer'), true)
        })

        withStore('failures are logged once per streak, the sweep goes on, and closes once the store answers', async (broken) => {
            // The first store is closed (every call fails for real); the second one works.
            await broken.close()
            const working = await open()
            try {
                let store: Store = broken
                let calls = 0
                const log = recordingLog()
                const options: DeadNodeSweepOptions = {
                    store: {
                        closeRoomsOfDeadNodes: (...args) => {
                            calls++
                            return store.closeRoomsOfDeadNodes(...args)
                        },
                    },
                    nodes: cluster().nodes,
                    intervalMs: 10,
                    now: Date.now,
                    onClosed: () => {},
                    log,
                }
                const sweep = new DeadNodeSweep(options)
                sweep.start()
                try {
                    await until(() => calls >= 5, 'five failing sweeps')
                    assert.equal(log.errors.length, 1, 'one line for the whole streak')
                    await makeRoom(working, 'gone', 'node-gone', Date.now() - 60_000)
                    store = working
                    await until(async () => !(await isOpen(working, 'gone')), 'the sweep to work again')
                    assert.ok(log.infos.includes('dead-node sweep works again'))
                    store = broken
                    const before = calls
                    await until(() => calls >= before + 3, 'more failing sweeps')
                    assert.equal(log.errors.length, 2, 'a new streak is logged again')
                } finally {
                    await sweep.stop()
                }
            } finally {
                await working.close()
            }
        })

        withStore('sweeps never overlap: a slow store delays the next one; sweepNow meanwhile shares the one under way', async (store) => {
            await makeRoom(store, 'gone', 'node-gone', Date.now() - 60_000)
            let inFlight = 0
            let most = 0
            let calls = 0
            const slow: Pick<Store, 'closeRoomsOfDeadNodes'> = {
                closeRoomsOfDeadNodes: async (...args) => {
                    calls++
                    most = Math.max(most, ++inFlight)
                    try {
                        await sleep(60)
                        return await store.closeRoomsOfDeadNodes(...args)
                    } finally {
                        inFlight--
                    }
                },
            }
            const closed: string[][] = []
            const sweep = new DeadNodeSweep({
                store: slow,
                nodes: cluster().nodes,
                intervalMs: 1,
                now: Date.now,
                onClosed: (n) => closed.push(n),
                log: recordingLog(),
            })
            sweep.start()
            try {
                await until(() => calls >= 1, 'the first sweep')
                const [a, b] = await Promise.all([sweep.sweepNow(), sweep.sweepNow()])
                assert.deepEqual(a, b)
                await until(() => calls >= 4, 'a few sweeps')
                assert.equal(most, 1)
                assert.deepEqual(closed, [['gone']])
            } finally {
                await sweep.stop()
            }
            assert.equal(inFlight, 0, 'stop() waited for the sweep under way')
        })
    })
}

const dir = await mkdtemp(join(tmpdir(), 'ensemble-dead-nodes-'))
after(() => rm(dir, { recursive: true, force: true }))
let n = 0
sweepSuite('SQLite', async () => new SqliteStore({ path: join(dir, `s${n++}.sqlite`), checkpointThread: false }))

const skip = await postgresSkip()
let db: TestDatabase | undefined
before(async () => void (skip || (db = await createTestDatabase())))
after(async () => void (await db?.drop()))
sweepSuite(
    'PostgreSQL',
    async () => {
        const schema = `d${n++}`
        const admin = new pg.Client({ connectionString: db!.url })
        await admin.connect()
        await admin.query(`CREATE SCHEMA ${schema}`)
        await admin.end()
        return PostgresStore.open({ url: db!.url, schema, poolSize: 4 })
    },
    skip,
)
