// The checkpoint thread of a SqliteStore on a real file: the WAL is truncated once writes stop, it
// starts over instead of growing under steady writes, and close() ends the thread.
import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { Checkpointer } from '../../src/store/sqlite/checkpointer.js'
import { HoldBackoff } from '../../src/store/sqlite/hold-backoff.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const walSize = (path: string) => (existsSync(path + '-wal') ? statSync(path + '-wal').size : -1)

/** Polls `condition` every 10 ms; false if it did not hold within `ms`. */
async function within(ms: number, condition: () => boolean): Promise<boolean> {
    const deadline = Date.now() + ms
    for (;;) {
        if (condition()) return true
        if (Date.now() > deadline) return false
        await sleep(10)
    }
}

let serial = 0
const signIn = (store: SqliteStore) => {
    const id = `user-${++serial}`
    return store.recordSignIn({
        nonce: { hash: `nonce-${serial}`, time: serial, expiresAt: 1e15 },
        user: { id, handle: '1', name: 'x'.repeat(200), profile: { id, about: 'y'.repeat(500) }, updatedAt: 1 },
        session: { tokenHash: `token-${serial}`, userId: id, createdAt: 1, expiresAt: 1e15 },
    })
}

describe('SqliteStore: checkpoint thread', () => {
    let dir: string
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-checkpoint-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    test('after writes and quiet time the WAL file is truncated to 0 bytes', async () => {
        const path = join(dir, 'idle.sqlite')
        const holds: number[] = []
        const store = new SqliteStore({ path, checkpoints: { intervalMs: 20, idleMs: 100 }, onCheckpointHold: (s) => holds.push(s) })
        try {
            assert.ok(store.checkpointer, 'a file database gets a checkpoint thread')
            for (let i = 0; i < 20; i++) assert.equal(await signIn(store), true)
            assert.ok(walSize(path) > 0, 'the writes went to the WAL')
            const startedAt = Date.now()
            assert.ok(await within(3000, () => walSize(path) === 0), `WAL still ${walSize(path)} bytes`)
            assert.ok(Date.now() - startedAt >= 50, 'not truncated before the quiet time')
            assert.ok(store.checkpointer.stats.holds >= 1)
            // Each hold is told to the metrics with its length, in seconds (bounded by maxHoldMs, 20 ms).
            // (the last one ends when the event loop hears the thread is done, just after the truncation).
            const checkpointer = store.checkpointer
            assert.ok(await within(1000, () => holds.length === checkpointer.stats.holds), `${holds.length} of ${checkpointer.stats.holds} told`)
            for (const seconds of holds) assert.ok(seconds >= 0 && seconds <= 0.5, `hold of ${seconds} s`)
            // The data is in the database file, and the store goes on writing and reading.
            assert.ok(await store.getSession('token-1'))
            assert.equal(await signIn(store), true)
            assert.ok(walSize(path) > 0)
            assert.ok(await within(3000, () => walSize(path) === 0), 'truncated again after the next quiet time')
        } finally {
            await store.close()
        }
    })

    test('under steady writes the WAL starts over instead of growing', async (t) => {
        const path = join(dir, 'steady.sqlite')
        const restartFrames = 32
        // The event loop's connection never checkpoints by itself here: only the thread keeps the WAL small.
        const store = new SqliteStore({ path, walHardLimitPages: 1_000_000, checkpoints: { intervalMs: 10, idleMs: 60_000, restartFrames } })
        try {
            const stats = store.checkpointer!.stats
            const frame = (store.db.pragma('page_size', { simple: true }) as number) + 24
            // One commit per turn, each spending one nonce: at least one WAL frame per commit (two in
            // practice: the table and its index by expiry, both appended to).
            const write = () => store.useNonce({ hash: `steady-${++serial}`, time: serial, expiresAt: 1e15 })

            // Until the thread is up and has made the WAL start over once (it starts slowly on a busy machine).
            const warmUntil = Date.now() + 5000
            while (stats.restarts === 0 && Date.now() < warmUntil) await write()
            assert.ok(stats.restarts > 0, `no restart within 5 s (holds ${stats.holds})`)
            const before = { size: walSize(path), restarts: stats.restarts }

            let commits = 0
            let largest = before.size
            const until = Date.now() + 500
            while (Date.now() < until) {
                await write()
                commits++
                largest = Math.max(largest, walSize(path))
            }
            const grown = largest - before.size
            const info = `${commits} commits, ${stats.restarts - before.restarts} restarts, WAL ${before.size} → ${largest} bytes`
            t.diagnostic(info)
            assert.ok(stats.restarts - before.restarts >= 3, info)
            // Without restarts the WAL would have grown by at least one frame per commit.
            assert.ok(commits >= 20 * restartFrames, `the test did not write enough: ${info}`)
            assert.ok(grown < (commits * frame) / 4, info)
        } finally {
            await store.close()
        }
    })

    test('close() stops the thread promptly; its connection is closed (the WAL is removed)', async () => {
        const path = join(dir, 'close.sqlite')
        const store = new SqliteStore({ path, checkpoints: { intervalMs: 20, idleMs: 60_000 } })
        for (let i = 0; i < 10; i++) await signIn(store)
        await sleep(50) // the thread has opened its connection and looked at the WAL
        assert.ok(walSize(path) > 0)
        const startedAt = Date.now()
        await store.close()
        // Closing waits for the thread (terminated after 2 s if it does not stop by itself).
        assert.ok(Date.now() - startedAt < 1500, `close took ${Date.now() - startedAt} ms`)
        // Only the last connection to close removes the WAL: the thread's one is closed too.
        assert.equal(existsSync(path + '-wal'), false)
        await store.close() // twice is safe
        const reopened = new SqliteStore({ path, checkpointThread: false })
        try {
            assert.ok(await reopened.getSession('token-' + serial))
        } finally {
            await reopened.close()
        }
    })

    test("a thread that stops is reported to the store's logger; the store goes on", async () => {
        const path = join(dir, 'stopped.sqlite')
        const logged: { obj: { err?: Error }; msg: string }[] = []
        const store = new SqliteStore({ path, checkpoints: { intervalMs: 20 }, log: { error: (obj, msg) => void logged.push({ obj, msg }) } })
        try {
            assert.equal(await signIn(store), true)
            // The thread dies (as it would of a crash in its native code or an out-of-memory kill).
            await (store.checkpointer as unknown as { worker: Worker }).worker.terminate()
            assert.ok(await within(2000, () => logged.length > 0), 'nothing logged')
            assert.equal(logged[0]!.msg, 'SQLite checkpoint thread failed')
            assert.match(String(logged[0]!.obj.err?.message), /checkpoint thread stopped/)
            assert.equal(await signIn(store), true)
        } finally {
            await store.close()
        }
        assert.equal(logged.length, 1, 'a deliberate close is not an error')
    })

    test('a hold that runs out ends by itself; the next ones are declined for a while, then the WAL is truncated', async () => {
        const path = join(dir, 'ran-out.sqlite')
        const db = new Database(path)
        db.pragma('journal_mode = WAL')
        db.exec('CREATE TABLE t (x TEXT)')
        for (let i = 0; i < 50; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(1000))
        const events: string[] = []
        let slow = true
        const checkpointer = new Checkpointer({
            path,
            intervalMs: 10,
            idleMs: 30,
            // Long enough for a later hold's round trip on a loaded machine (5 ms was not, under CI's
            // two suites at once); the first hold still outlasts it, kept busy twice as long below.
            maxHoldMs: 50,
            backoff: new HoldBackoff(200, 400),
            hold: () => {
                events.push('hold')
                // The first hold outlasts its limit: the event loop is kept busy past it (as a slow fsync
                // would keep the thread), so its timer fires before the thread's resume is read.
                if (slow) {
                    slow = false
                    setImmediate(() => {
                        const until = performance.now() + 100
                        while (performance.now() < until);
                    })
                }
            },
            resume: () => void events.push('resume'),
        })
        try {
            const stats = checkpointer.stats
            assert.ok(await within(3000, () => stats.ranOut === 1), `no hold ran out: ${JSON.stringify(stats)}`)
            // A write after it: once quiet again the thread asks to truncate, within the backoff.
            db.prepare('INSERT INTO t VALUES (?)').run('after')
            assert.ok(walSize(path) > 0)
            assert.ok(await within(3000, () => stats.declined >= 1), `no hold declined: ${JSON.stringify(stats)}`)
            assert.equal(stats.holds, 1, 'declined while backing off')
            // After the backoff the thread's next ask is held, and it truncates the WAL this time.
            assert.ok(await within(3000, () => walSize(path) === 0), `WAL still ${walSize(path)} bytes: ${JSON.stringify(stats)}`)
            assert.ok(stats.holds >= 2)
            assert.equal(stats.ranOut, 1)
            // Every hold was released exactly once, the one that ran out included.
            assert.ok(await within(1000, () => events.filter((e) => e === 'resume').length === stats.holds))
            assert.deepEqual(events.slice(0, 2), ['hold', 'resume'])
        } finally {
            await checkpointer.close()
            db.close()
        }
    })

    test('a thread that cannot open its database reports the SQLite error', async () => {
        const errors: Error[] = []
        const checkpointer = new Checkpointer({
            path: join(dir, 'never-created.sqlite'), // the thread never creates a database
            hold: () => {},
            resume: () => {},
            onError: (error) => void errors.push(error),
        })
        try {
            assert.ok(await within(3000, () => errors.length > 0), 'nothing reported')
            assert.match(errors[0]!.message, /unable to open database file|SQLITE_CANTOPEN/i)
            await sleep(50)
            assert.equal(errors.length, 1, 'its exit is not reported twice')
        } finally {
            await checkpointer.close()
        }
    })
})
