// Moderation through one node while Redis is down: a server-wide ban and a chat deletion are written,
// audited and answered (saying the other nodes were not told), and the node hosting the banned player's
// room removes them at its next reload of the bans. Two nodes in this process on one PostgreSQL database
// and a redis-server of the test's own, which the test kills.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { connect } from '../helpers/multiplayer.js'
import { createAndJoin, join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'
import { startTwoNodes, until } from '../helpers/two-nodes.js'

const adminToken = 'admin-token-for-tests-0123456789'

test(
    "Redis down: a ban through one node is stored, audited and answered 201 (everywhere: false); the player's node removes them at its reload of the bans; a chat deletion is answered and audited too",
    { timeout: 60_000 },
    async () => {
        const nodes = await startTwoNodes({ adminToken })
        const { owner, other, redis, onOwner } = nodes
        try {
            const created = await createAndJoin(owner)
            const host = await connect(owner, created.name, onOwner(created.answer), created.profile)
            await host.nextOf('update')
            const troll = await signedAuthenticate(owner, makeProfile('Troll'))
            const client = await connect(
                owner,
                created.name,
                onOwner(await join(owner, created.name, troll.profile, { session: troll.session })),
                troll.profile,
            )
            await client.nextOf('update')
            const nonce = client.chat('a line to delete')
            await client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)

            const adminApi = async (method: string, path: string, body?: unknown) => {
                const res = await fetch(`${other.origin}/api/admin${path}`, {
                    method,
                    headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
                    body: body ? JSON.stringify(body) : undefined,
                })
                return { status: res.status, body: (await res.json()) as any }
            }
            let line: { id: number } | undefined
            await until('the line is stored', async () => {
                const history = await fetch(`${other.origin}/api/rooms/${created.name}/chat`, {
                    headers: { authorization: `Bearer ${troll.session}` },
                })
                line = ((await history.json()) as { messages: { id: number; value: string }[] }).messages.find((m) => m.value === 'a line to delete')
                return line !== undefined
            })

            await redis.kill()
            await until('the other node knows Redis is down', () => !other.app.cluster.health().ok)

            // The ban holds at once (stored, and held by the node that made it); the owner could not be told.
            const banned = await adminApi('POST', '/bans', { user_id: troll.profile.id, duration: '1h', reason: 'during the outage' })
            assert.equal(banned.status, 201, JSON.stringify(banned.body))
            assert.deepEqual([banned.body.rooms, banned.body.everywhere], [[], false])
            assert.deepEqual(
                (await other.app.store.listServerBans(Date.now())).map((b) => b.userId),
                [troll.profile.id],
            )
            const deleted = await adminApi('DELETE', `/chat/${line!.id}`)
            assert.equal(deleted.status, 200, JSON.stringify(deleted.body))
            const audit = (await adminApi('GET', '/audit?limit=2')).body.entries as { action: string; details: Record<string, unknown> }[]
            assert.deepEqual(
                audit.map((e) => [e.action, e.details.everywhere]),
                [
                    ['chat.delete', false],
                    ['user.ban', false],
                ],
            )

            // Still in the room on the owner, which never heard of the ban: its minute's reload removes them.
            assert.equal(owner.multiplayer.hub.get(created.name)?.isMember(troll.profile.id), true)
            await owner.app.upkeep()
            assert.equal((await client.closed).code, 4001)
            assert.equal(owner.multiplayer.hub.get(created.name)?.isMember(troll.profile.id), false)
            // The host stays.
            const still = host.chat('still here')
            await host.next((e) => e.type === 'addChatMessage' && e.nonce === still)
            await host.close()
        } finally {
            await nodes.close()
        }
    },
)
