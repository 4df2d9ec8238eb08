// kill -9 mid-traffic on PostgreSQL: every write the store acknowledged (its promise settled: the moment
// an answer leaves) is there afterwards, read by a fresh store as after a restart.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { PostgresStore } from '../../src/store/postgres/postgres-store.js'
import { createTestDatabase, postgresSkip, type TestDatabase } from '../helpers/postgres.js'

const skip = await postgresSkip()
const child = resolve(dirname(fileURLToPath(import.meta.url)), '../helpers/pg-traffic-child.js')
let db: TestDatabase
before(async () => void (skip || (db = await createTestDatabase())))
after(async () => void (db && (await db.drop())))

test('kill -9 mid-traffic: every acknowledged sign-in, join, chat line and result survives', { skip }, async () => {
    const proc = spawn(process.execPath, [child, db.url], { stdio: ['ignore', 'pipe', 'inherit'] })
    const acked: string[] = []
    let buffered = ''
    await new Promise<void>((done) => {
        proc.stdout.on('data', (chunk: Buffer) => {
            buffered += chunk.toString()
            const lines = buffered.split('\n')
            buffered = lines.pop()!
            acked.push(...lines)
            if (acked.length >= 3000 && !proc.killed) {
                proc.kill('SIGKILL')
                done()
            }
        })
    })
    await new Promise((r) => proc.once('exit', r))
    // Lines still in the pipe were acknowledged too.
    acked.push(...buffered.split('\n').filter((l) => /^\w+ \S+$/.test(l)))
    const store = await PostgresStore.open({ url: db.url })
    const c = new pg.Client({ connectionString: db.url })
    await c.connect()
    try {
        const have = async (sql: string) => new Set((await c.query(sql)).rows.map((r) => String(r.k)))
        const sessions = await have('SELECT token_hash AS k FROM sessions')
        const joins = await have('SELECT token_hash AS k FROM join_sessions')
        const chat = await have('SELECT id AS k FROM chat_messages')
        const results = await have('SELECT id AS k FROM round_results')
        const count = { signin: 0, join: 0, chat: 0, result: 0 } as Record<string, number>
        for (const line of acked) {
            const [kind, key] = line.split(' ') as [string, string]
            count[kind]!++
            const set = { signin: sessions, join: joins, chat, result: results }[kind]
            assert.ok(set?.has(key), `acknowledged ${line} is missing`)
        }
        for (const kind of Object.keys(count)) assert.ok(count[kind]! > 50, `traffic of every kind (${JSON.stringify(count)})`)
        // The store reads them as after a restart.
        assert.ok(await store.getSession(acked.find((l) => l.startsWith('signin'))!.split(' ')[1]!))
    } finally {
        await c.end()
        await store.close()
    }
})
