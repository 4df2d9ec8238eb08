// GroupCommit on a real SQLite file: the jobs of one event-loop turn commit together, each caller hears
// back only after the commit, a failing job fails only its caller, hold/resume/flush, and the rows
// queued jobs write (pending until their batch settled, whatever its outcome).
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, beforeEach, describe, test } from 'node:test'
import Database from 'better-sqlite3'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

describe('GroupCommit', () => {
    let dir: string
    let db: Database.Database
    /** A second connection: sees only what was committed. */
    let reader: Database.Database
    let insert: Database.Statement
    let commits: GroupCommit

    const seen = (id: string) => reader.prepare('SELECT v FROM t WHERE id = ?').get(id) as { v: number } | undefined
    const count = () => (reader.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n

    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-group-commit-'))
        const path = join(dir, 'db.sqlite')
        db = new Database(path)
        db.pragma('journal_mode = WAL')
        db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)')
        insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)')
        reader = new Database(path, { readonly: true })
    })
    after(async () => {
        reader.close()
        db.close()
        await rm(dir, { recursive: true, force: true })
    })
    beforeEach(() => {
        db.exec('DELETE FROM t')
        commits = new GroupCommit(db)
    })

    test('jobs asked for in one turn commit in one batch; each caller gets its own value after the commit', async () => {
        const n = 20
        const checks: Promise<void>[] = []
        for (let i = 0; i < n; i++) {
            const id = `a${i}`
            checks.push(
                commits
                    .run([], () => {
                        insert.run(id, i)
                        return `value ${i}`
                    })
                    .then((value) => {
                        assert.equal(value, `value ${i}`)
                        // Committed: another connection reads it when the caller hears back.
                        assert.deepEqual(seen(id), { v: i })
                    }),
            )
        }
        assert.equal(commits.pending, n)
        assert.equal(count(), 0, 'nothing committed synchronously')
        assert.equal(db.inTransaction, false)
        await Promise.all(checks)
        assert.equal(count(), n)
        assert.deepEqual(commits.stats, { batches: 1, jobs: n, retries: 0 })
        assert.equal(commits.pending, 0)
    })

    test('jobs of different turns go in different batches', async () => {
        await commits.run([], () => insert.run('b1', 1))
        await commits.run([], () => insert.run('b2', 2))
        await Promise.all([commits.run([], () => insert.run('b3', 3)), commits.run([], () => insert.run('b4', 4))])
        assert.deepEqual(commits.stats, { batches: 3, jobs: 4, retries: 0 })
    })

    test('a job that throws rejects only its caller; the rest of its batch commits', async () => {
        const ok1 = commits.run([], () => {
            insert.run('c1', 1)
            return 1
        })
        // Writes, then fails on a duplicate key: its own write must not survive either.
        const failing = commits.run([], () => {
            insert.run('c-partial', 0)
            insert.run('c1', 99)
        })
        const thrown = commits.run([], () => {
            insert.run('c-thrown', 0)
            throw new Error('job failed')
        })
        const ok2 = commits.run([], () => {
            insert.run('c2', 2)
            return 2
        })
        const settled = await Promise.allSettled([ok1, failing, thrown, ok2])
        assert.deepEqual(settled[0], { status: 'fulfilled', value: 1 })
        assert.equal(settled[1].status, 'rejected')
        assert.match(String((settled[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed/)
        assert.equal(settled[2].status, 'rejected')
        assert.equal((settled[2] as PromiseRejectedResult).reason.message, 'job failed')
        assert.deepEqual(settled[3], { status: 'fulfilled', value: 2 })
        assert.deepEqual(seen('c1'), { v: 1 })
        assert.deepEqual(seen('c2'), { v: 2 })
        assert.equal(seen('c-partial'), undefined, 'a failed job leaves nothing behind')
        assert.equal(seen('c-thrown'), undefined, 'a failed job leaves nothing behind')
        assert.equal(count(), 2)
        assert.deepEqual(commits.stats, { batches: 1, jobs: 4, retries: 1 })
        assert.equal(db.inTransaction, false)
    })

    test('a caller hears success only from the commit that kept its writes', async () => {
        // Runs fine inside the batch (rolled back because of the next job), fails when run again alone:
        // its caller must hear the failure, not the value of the rolled-back first run.
        let runs = 0
        const flaky = commits.run([], () => {
            insert.run('h1', 1)
            if (++runs > 1) throw new Error('second run')
            return 'first run'
        })
        const failing = commits.run([], () => {
            throw new Error('fails the batch')
        })
        const settled = await Promise.allSettled([flaky, failing])
        assert.equal(runs, 2)
        assert.equal(settled[0].status, 'rejected', 'the first run was rolled back')
        assert.equal((settled[0] as PromiseRejectedResult).reason.message, 'second run')
        assert.equal(settled[1].status, 'rejected')
        assert.equal(seen('h1'), undefined)
        assert.deepEqual(commits.stats, { batches: 1, jobs: 2, retries: 1 })
    })

    test('a failing job alone in its batch rejects, writing nothing', async () => {
        await assert.rejects(
            commits.run([], () => {
                insert.run('d1', 1)
                throw new Error('alone')
            }),
            /alone/,
        )
        assert.equal(seen('d1'), undefined)
        assert.deepEqual(commits.stats, { batches: 1, jobs: 1, retries: 0 })
        // The next batch is not affected.
        await commits.run([], () => insert.run('d2', 2))
        assert.deepEqual(seen('d2'), { v: 2 })
    })

    test('hold() delays commits until resume()', async () => {
        commits.hold()
        let done = false
        const job = commits.run([], () => insert.run('e1', 1)).then(() => (done = true))
        await turn()
        await sleep(20)
        assert.equal(done, false)
        assert.equal(commits.pending, 1)
        assert.equal(seen('e1'), undefined, 'not committed while held')
        assert.equal(commits.stats.batches, 0)
        // More jobs while held join the same batch.
        const more = commits.run([], () => insert.run('e2', 2))
        await turn()
        assert.equal(commits.pending, 2)
        commits.resume()
        await Promise.all([job, more])
        assert.equal(done, true)
        assert.deepEqual(seen('e1'), { v: 1 })
        assert.deepEqual(seen('e2'), { v: 2 })
        assert.deepEqual(commits.stats, { batches: 1, jobs: 2, retries: 0 })
    })

    test('resume() with nothing queued and hold() with nothing queued do nothing', async () => {
        commits.hold()
        commits.resume()
        await turn()
        assert.equal(commits.stats.batches, 0)
        await commits.run([], () => insert.run('f1', 1))
        assert.equal(commits.stats.batches, 1)
    })

    test('settle() commits the queue only when a queued job writes that row', async () => {
        const a = commits.run([['session', 'a']], () => insert.run('k1', 1))
        const b = commits.run(
            [
                ['user', 'u'],
                ['session', 'b'],
            ],
            () => insert.run('k2', 2),
        )
        assert.equal(commits.settle('session', 'other'), false)
        assert.equal(commits.settle('user', 'a'), false, 'kinds are apart: a session id is no user id')
        assert.equal(commits.pending, 2, 'nothing committed for rows no job writes')
        assert.deepEqual(commits.pendingIds('session').sort(), ['a', 'b'])
        assert.equal(commits.settle('user', 'u'), true)
        assert.deepEqual(seen('k1'), { v: 1 }, 'the whole queue is committed, in one batch')
        assert.deepEqual(seen('k2'), { v: 2 })
        assert.equal(commits.has('session', 'a'), false)
        assert.deepEqual(commits.pendingIds('user'), [])
        assert.equal(commits.settle('user', 'u'), false, 'committed rows are no longer pending')
        await Promise.all([a, b])
        commits.settleKind('chat')
        assert.deepEqual(commits.stats, { batches: 1, jobs: 2, retries: 0 })
    })

    test('a failed batch leaves no row pending and its failed writes are not seen', async () => {
        insert.run('dup', 0)
        const failing = commits.run([['session', 'x']], () => insert.run('dup', 1))
        const fine = commits.run([['session', 'y']], () => insert.run('m1', 1))
        assert.equal(commits.settle('session', 'x'), true)
        assert.equal(commits.has('session', 'x'), false, 'released although its write failed')
        assert.equal(commits.has('session', 'y'), false)
        await assert.rejects(failing, /UNIQUE/)
        await fine
        assert.deepEqual(seen('dup'), { v: 0 })
        assert.deepEqual(seen('m1'), { v: 1 })
        // Alone in its batch, a failing job releases its row too.
        const alone = commits.run([['user', 'z']], () => insert.run('dup', 2))
        commits.settleKind('user')
        await assert.rejects(alone, /UNIQUE/)
        assert.deepEqual(commits.pendingIds('user'), [])
        assert.deepEqual(commits.stats, { batches: 2, jobs: 3, retries: 1 })
    })

    test('a newer write of a row keeps it pending after an older one settled', async () => {
        commits.hold()
        const first = commits.run([['user', 'u']], () => insert.run('n1', 1))
        commits.flush()
        await first
        const second = commits.run([['user', 'u']], () => insert.run('n2', 2))
        assert.equal(commits.has('user', 'u'), true)
        assert.equal(commits.settle('user', 'u'), true, 'a held queue is committed for a read that needs it')
        assert.deepEqual(seen('n2'), { v: 2 })
        commits.resume()
        await second
    })

    test('a failing onCommit hook neither fails the callers nor runs their committed jobs again', async () => {
        let runs = 0
        commits.onCommit = () => {
            throw new Error('metrics broke')
        }
        const results = await Promise.allSettled([
            commits.run([], () => (runs++, insert.run('o1', 1))),
            commits.run([], () => (runs++, insert.run('o2', 2))),
        ])
        assert.deepEqual(
            results.map((r) => r.status),
            ['fulfilled', 'fulfilled'],
        )
        assert.equal(runs, 2)
        assert.equal(count(), 2)
        assert.deepEqual(commits.stats, { batches: 1, jobs: 2, retries: 0 })
    })

    test('flush() commits synchronously, even while held', async () => {
        const a = commits.run([], () => {
            insert.run('g1', 1)
            return 'g1'
        })
        assert.equal(seen('g1'), undefined)
        commits.flush()
        assert.deepEqual(seen('g1'), { v: 1 }, 'visible right after flush()')
        assert.equal(commits.pending, 0)
        assert.equal(await a, 'g1')

        commits.hold()
        const b = commits.run([], () => insert.run('g2', 2))
        commits.flush()
        assert.deepEqual(seen('g2'), { v: 2 }, 'flush() does not wait for resume()')
        await b
        commits.resume()
        // The setImmediate scheduled by run() finds nothing left: no empty batch.
        await turn()
        assert.deepEqual(commits.stats, { batches: 2, jobs: 2, retries: 0 })
        commits.flush()
        assert.equal(commits.stats.batches, 2, 'flush() with nothing queued is no batch')
    })
})
