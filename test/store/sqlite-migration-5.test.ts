// Migration 5 (moderation) on a version 4 database with reports and chat: the reports stay and are open,
// resolving works once, server bans and the audit log round-trip, a deleted chat line is gone.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { databaseAtVersion } from '../helpers/sqlite-version.js'

test('a version 4 database upgrades to 5 with its reports open; moderation records work', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ensemble-migration5-'))
    try {
        const path = join(dir, 'v4.sqlite')
        const db = databaseAtVersion(path, 4)
        db.prepare(
            "INSERT INTO reports (room_name, reporter_id, target_id, option_values, at) VALUES ('r1', 'u1', 'u2', 'reason=spamming', 1000)",
        ).run()
        db.prepare("INSERT INTO chat_messages (room_name, user_id, type, value, at) VALUES ('r1', 'u2', 'text', 'bad words', 900)").run()
        db.prepare("INSERT INTO chat_messages (room_name, user_id, type, value, at) VALUES ('r1', 'u1', 'text', 'hi', 950)").run()
        db.close()

        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            const [report] = await store.listReports({ open: true, limit: 10 })
            assert.equal(report!.resolvedAt, null)
            const context = await store.listUserChat('r1', 'u2', { until: 1000, limit: 10 })
            assert.deepEqual(
                context.map((m) => m.value),
                ['bad words'],
            )
            assert.equal((await store.resolveReport(report!.id, { at: 2000, note: 'ok' }))?.resolvedAt, 2000)
            assert.equal(await store.resolveReport(report!.id, { at: 3000, note: 'again' }), undefined)
            assert.deepEqual(await store.listReports({ open: true, limit: 10 }), [])
            assert.equal((await store.listReports({ limit: 10 }))[0]!.resolution, 'ok')

            await store.putServerBan({ userId: 'u2', until: 5000, reason: 'r', createdAt: 1000 })
            await store.putServerBan({ userId: 'u2', until: 6000, reason: 'longer', createdAt: 1500 })
            assert.deepEqual(await store.listServerBans(4000), [{ userId: 'u2', until: 6000, reason: 'longer', createdAt: 1500 }])
            assert.deepEqual(await store.listServerBans(6000), [])
            await store.sweep(7000)
            assert.equal(await store.deleteServerBan('u2'), false, 'swept once lapsed')

            const id = await store.insertAuditEntry({ at: 1, action: 'user.ban', target: 'user:u2', details: { rooms: ['r1'] } })
            assert.deepEqual(await store.listAuditEntries({ limit: 5 }), [
                { id, at: 1, action: 'user.ban', target: 'user:u2', details: { rooms: ['r1'] } },
            ])

            assert.equal((await store.deleteChatMessage(context[0]!.id))?.value, 'bad words')
            assert.equal(await store.deleteChatMessage(context[0]!.id), undefined)
            assert.deepEqual(
                (await store.listChatMessages('r1', { limit: 10 })).map((m) => m.value),
                ['hi'],
            )
        } finally {
            await store.close()
        }
    } finally {
        await rm(dir, { recursive: true, force: true })
    }
})
