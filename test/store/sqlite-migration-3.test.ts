// Migration 3 (REST API): room memberships and API tokens, on a database of version 2 with data in it,
// and the Store methods over them.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { migrations } from '../../src/store/sqlite/migrations.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { databaseAtVersion } from '../helpers/sqlite-version.js'

describe('SqliteStore: migration 3 (memberships, API tokens)', () => {
    let dir: string
    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'ensemble-migration3-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    test('a version 2 database upgrades with its data; the new tables work', async () => {
        const path = join(dir, 'v2.sqlite')
        const db = databaseAtVersion(path, 2)
        db.prepare("INSERT INTO users (id, handle, name, profile, updated_at) VALUES ('u1', '1234', 'Alice', '{}', 1)").run()
        db.close()

        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            const versions = (store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map(
                (r) => r.version,
            )
            assert.deepEqual(
                versions,
                migrations.map((m) => m.version),
            )
            assert.equal((await store.getUser('u1'))?.name, 'Alice')

            // memberships: insert, repeat moves joined_at, list with names, delete
            await store.upsertRoomMembership({ roomName: 'r1', userId: 'u1', joinedAt: 100 })
            await store.upsertRoomMembership({ roomName: 'r1', userId: 'u2', joinedAt: 150 })
            await store.upsertRoomMembership({ roomName: 'r1', userId: 'u1', joinedAt: 200 })
            assert.deepEqual(await store.getRoomMembership('r1', 'u1'), { roomName: 'r1', userId: 'u1', joinedAt: 200 })
            assert.deepEqual(await store.listRoomMembers('r1'), [
                { roomName: 'r1', userId: 'u2', joinedAt: 150, handle: null, name: null },
                { roomName: 'r1', userId: 'u1', joinedAt: 200, handle: '1234', name: 'Alice' },
            ])
            assert.equal(await store.deleteRoomMembership('r1', 'u1'), true)
            assert.equal(await store.deleteRoomMembership('r1', 'u1'), false)
            assert.equal(await store.getRoomMembership('r1', 'u1'), undefined)

            // API tokens: hash lookup, list (active only, oldest first), revoke (owner only, once), touch
            const a = await store.insertApiToken({ userId: 'u1', name: 'bot a', tokenHash: 'ha', createdAt: 10 })
            const b = await store.insertApiToken({ userId: 'u1', name: 'bot b', tokenHash: 'hb', createdAt: 20 })
            await store.insertApiToken({ userId: 'u2', name: 'other', tokenHash: 'hc', createdAt: 30 })
            assert.deepEqual(a, { id: a.id, userId: 'u1', name: 'bot a', tokenHash: 'ha', createdAt: 10, lastUsedAt: null, revoked: false })
            await assert.rejects(store.insertApiToken({ userId: 'u1', name: 'dup', tokenHash: 'ha', createdAt: 40 }), /UNIQUE/)
            assert.deepEqual(
                (await store.listApiTokens('u1')).map((t) => t.name),
                ['bot a', 'bot b'],
            )
            assert.equal(await store.revokeApiToken('u2', a.id), false, "another user's token")
            assert.equal(await store.revokeApiToken('u1', a.id), true)
            assert.equal(await store.revokeApiToken('u1', a.id), false, 'already revoked')
            assert.equal((await store.getApiTokenByHash('ha'))?.revoked, true)
            assert.deepEqual(
                (await store.listApiTokens('u1')).map((t) => t.id),
                [b.id],
            )
            await store.touchApiToken(b.id, 99)
            assert.equal((await store.getApiTokenByHash('hb'))?.lastUsedAt, 99)
        } finally {
            await store.close()
        }
    })
})
