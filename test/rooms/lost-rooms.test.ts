// Rooms whose live state was lost with the process close at the next start: after a shutdown (kill -9
// is covered with a real child process in test/store/sqlite-crash.test.ts) the room is closed, not
// listed, refuses joins, and keeps its chat. In multi-node mode (Redis) start-up leaves rooms alone:
// another node may be hosting them.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { hostRoom, startMultiplayerServer } from '../helpers/multiplayer.js'
import { joinRoom, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

async function roomLeftOpen(dataDir: string): Promise<string> {
    const first = await startMultiplayerServer({}, { dataDir })
    try {
        const host = await hostRoom(first)
        host.client.chat('before the restart')
        await host.client.next((e) => e.type === 'addChatMessage' && e.message.userId === host.profile.id)
        assert.equal((await first.app.store.getRoom(host.name))!.closedAt, null, 'open while live')
        return host.name
    } finally {
        await first.app.close()
    }
}

test('a room open when the server stopped is closed at the next start, its history kept', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ensemble-lost-'))
    try {
        const name = await roomLeftOpen(dataDir)
        const second = await startMultiplayerServer({}, { dataDir })
        try {
            assert.notEqual((await second.app.store.getRoom(name))!.closedAt, null, 'closed at start')
            const viewer = await signedAuthenticate(second, makeProfile('Viewer'))
            const list = await second.request('GET', '/sonolus/rooms/list', { headers: { 'sonolus-session': viewer.session } })
            assert.equal(
                list.body.items.some((item: { name: string }) => item.name === name),
                false,
                'not listed',
            )
            assert.equal((await joinRoom(second, name, makeProfile('Late'))).status, 404)
            const history = await second.request('GET', `/api/rooms/${name}/chat`, { headers: { authorization: viewer.session } })
            assert.ok(history.body.messages.some((m: { value: string }) => m.value === 'before the restart'))
        } finally {
            await second.close()
        }
    } finally {
        await rm(dataDir, { recursive: true, force: true })
    }
})

test('multi-node mode (Redis): no start-up close (another node may host the rooms); the dead-node sweep closes a room no live node hosts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ensemble-lost-'))
    try {
        const name = await roomLeftOpen(dataDir)
        const second = await startMultiplayerServer({ redisUrl: 'redis://127.0.0.1:6379' }, { dataDir })
        try {
            assert.equal(second.app.cluster.multiNode, true)
            assert.equal((await second.app.store.getRoom(name))!.closedAt, null)
            // The room was made by a one-node run (no node): no live node hosts it.
            const deadline = Date.now() + 10_000
            while ((await second.app.store.getRoom(name))!.closedAt === null) {
                assert.ok(Date.now() < deadline, 'the sweep did not close the room within 10 s')
                await new Promise((resolve) => setTimeout(resolve, 200))
            }
        } finally {
            await second.close()
        }
    } finally {
        await rm(dataDir, { recursive: true, force: true })
    }
})
