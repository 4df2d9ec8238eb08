// Migration 6 (rooms remember their node) on a version 5 database with open and closed rooms: the rooms
// read nodeId null, the dead-node sweep closes the open ones (history kept) and the open-room counter
// stays exact; new rooms store their node.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { databaseAtVersion } from '../helpers/sqlite-version.js'
import { newRoom } from '../helpers/rooms.js'

test('a version 5 database upgrades to 6: its rooms have no node and are swept; the counter stays exact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ensemble-migration6-'))
    try {
        const path = join(dir, 'v5.sqlite')
        const db = databaseAtVersion(path, 5)
        const insert = db.prepare(`INSERT INTO rooms (name, creator_id, title, max_players, scoring, teams, allow_other_servers, option_values,
            created_at, updated_at, closed_at) VALUES (?, ?, 't', 8, 'arcade', 0, 1, '', 1000, 1000, ?)`)
        for (let i = 0; i < 5; i++) insert.run(`old${i}`, `c${i}`, i < 3 ? null : 1500)
        db.close()

        const store = new SqliteStore({ path, checkpointThread: false })
        try {
            assert.equal((await store.getRoom('old0'))!.nodeId, null)
            const count = () => store.db.prepare('SELECT open_rooms AS n FROM room_totals').get() as { n: number }
            assert.equal(count().n, 3)
            assert.deepEqual((await store.closeRoomsOfDeadNodes(['node-a'], 2000, 3000)).sort(), ['old0', 'old1', 'old2'])
            assert.equal(count().n, 0)
            assert.equal((await store.getRoom('old3'))!.closedAt, 1500, 'closed rooms keep their closing time')

            await store.insertReservation({ name: 'new', keyHash: 'k', creatorId: 'c', values: '', createdAt: 4000, expiresAt: 5000 })
            const room = await store.createRoomFromReservation(
                { name: 'new', keyHash: 'k', creatorId: 'c', now: 4000 },
                newRoom('new', { creatorId: 'c', title: 'New', nodeId: 'node-a', createdAt: 4000 }),
            )
            assert.equal(typeof room === 'object' && room.nodeId, 'node-a')
            assert.equal(count().n, 1)
        } finally {
            await store.close()
        }
    } finally {
        await rm(dir, { recursive: true, force: true })
    }
})
