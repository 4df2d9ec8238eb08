// Closing quiet rooms with several nodes: each node judges only the rooms placed on it. Two nodes in this
// process on one PostgreSQL database and a redis-server of the test's own, which the test kills: from the
// other node, a live room whose node it cannot see any more (Redis down past the node ttl) looks abandoned.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join as joinPath } from 'node:path'
import { test } from 'node:test'
import { connect, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { createTestDatabase } from '../helpers/postgres.js'
import { startTestRedis } from '../helpers/redis.js'
import { createAndJoin, createRoom, join, joinRoom, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
        await sleep(50)
    }
}

test(
    "Redis down past the node ttl: no node closes another node's live room as abandoned, nor answers a join to it with 404 or stores a line posted to it as if it were not live; each closes its own abandoned rooms",
    { timeout: 60_000 },
    async () => {
        const db = await createTestDatabase()
        const redis = await startTestRedis()
        const servers: MultiplayerServer[] = []
        const dataDir = await mkdtemp(joinPath(tmpdir(), 'ensemble-closing-'))
        try {
            const config = { database: { kind: 'postgres' as const, url: db.url }, redisUrl: redis.url, emptyRoomIdleMs: 1500 }
            // One data directory for both: under ENSEMBLE_TEST_STORE=postgres (npm run test:postgres) the test servers
            // take a schema per data directory instead of config.database, and the two nodes must share one store.
            for (let i = 0; i < 2; i++) servers.push(await startMultiplayerServer(config, { dataDir }))
            const id = (s: MultiplayerServer) => s.app.cluster.nodes.selfId
            await until('each node sees the other', () => servers.every((s) => s.app.cluster.nodes.alive().length === 2))

            // The room goes to the node placement picks (both empty: the same one from either), and its creator
            // plays there.
            const placed = servers[0]!.app.cluster.nodes.placeNewRoom()
            const owner = servers.find((s) => id(s) === placed)!
            const other = servers.find((s) => s !== owner)!
            const created = await createAndJoin(owner)
            // A node's own url is read before these test servers listen (port 0): the socket goes to the owner's real port.
            const url = created.answer.url.replace(/^ws:\/\/[^/]+/, owner.origin.replace(/^http/, 'ws'))
            const live = { name: created.name, client: await connect(owner, created.name, { ...created.answer, url }, created.profile) }
            await live.client.nextOf('update')
            assert.equal((await owner.app.store.getRoom(live.name))!.nodeId, id(owner))

            // A room whose creator joined but never connected, placed on the other node (the owner now reports a room and a player).
            await until('the owner has reported its load', () => {
                const view = other.app.cluster.nodes.alive().find((n) => n.id === id(owner))
                return view !== undefined && view.players === 1
            })
            const creator = await signedAuthenticate(other, makeProfile('Absent'))
            const abandoned = await createRoom(other, creator.session)
            await join(other, abandoned.name, creator.profile, { session: creator.session, key: abandoned.key }) // never connects
            assert.equal((await other.app.store.getRoom(abandoned.name))!.nodeId, id(other))

            const joiner = await signedAuthenticate(other, makeProfile('Joiner'))
            // A bot, member of the live room through the REST API of the other node.
            const api = (path: string, body: unknown) =>
                fetch(`${other.origin}/api${path}`, {
                    method: 'POST',
                    headers: { authorization: `Bearer ${joiner.session}`, 'content-type': 'application/json' },
                    body: JSON.stringify(body),
                })
            const joined = await api('/join_room', { name: live.name })
            if (joined.status !== 200) {
                // Not seen so far outside one CI run: say what the store and each node's view held then.
                const row = await other.app.store.getRoom(live.name)
                const views = servers.map((s) => `${id(s)} sees ${s.app.cluster.nodes.alive().map((n) => n.id)}`)
                assert.fail(`join_room ${joined.status} ${await joined.text()}; row ${JSON.stringify(row)}; ${views.join('; ')}`)
            }
            await redis.kill()
            await until('the other node no longer sees the owner alive', () => !other.app.cluster.nodes.isAlive(id(owner)))
            await sleep(1600) // both rooms are now quiet past the idle timeout (no title or option change since created)

            // A join through the other node cannot know whether the owner is alive: 503, try again, not 404.
            const refused = await joinRoom(other, live.name, joiner.profile, { session: joiner.session })
            assert.equal(refused.status, 503, refused.text)
            assert.equal(refused.headers.get('retry-after'), '5')
            assert.match((refused.body as { message: string }).message, /other nodes/)
            // Nor can a line posted there reach the owner's players: 503, not a line stored as if nobody were playing.
            const posted = await api(`/rooms/${live.name}/chat`, { text: 'through a node that cannot see the owner' })
            assert.equal(posted.status, 503, await posted.text())
            assert.equal(posted.headers.get('retry-after'), '5')

            await owner.multiplayer.closeAbandoned()
            assert.equal((await owner.app.store.getRoom(abandoned.name))!.closedAt, null, "the owner leaves the other node's room alone")
            await other.multiplayer.closeAbandoned()
            assert.equal((await other.app.store.getRoom(live.name))!.closedAt, null, "the other node leaves the owner's live room open")
            assert.equal(owner.multiplayer.hub.get(live.name)?.isClosed, false, 'and live on its node')
            // Each node still closes its own abandoned rooms, Redis or not.
            assert.notEqual((await other.app.store.getRoom(abandoned.name))!.closedAt, null, 'the other node closed its abandoned room')

            live.client.chat('still playing')
            await live.client.next((e) => e.type === 'addChatMessage' && e.message.value === 'still playing')
            await live.client.close()
        } finally {
            for (const server of servers) await server.close()
            await redis.kill()
            await db.drop()
            await rm(dataDir, { recursive: true, force: true })
        }
    },
)
