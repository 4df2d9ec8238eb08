// The moderation API against a real server with real players: every route refused without the admin
// token (403 when none is configured, 401 when missing or wrong), reports with the reported player's
// chat, resolving, closing a room, kicking, a server-wide ban refused at sign-in, join and WebSocket
// upgrade, deleting a chat line (gone from history and from the feed's replay), and the audit log.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import WebSocket from 'ws'
import { hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, joinRoom, makeProfile, postSigned, authenticateBody, signedAuthenticate } from '../helpers/sonolus.js'
import { SseClient } from '../helpers/sse.js'

const adminToken = 'admin-token-for-tests-0123456789'
const admin = { authorization: `Bearer ${adminToken}` }

/** Every admin route, with a valid-looking request. */
const routes: [string, string, unknown?][] = [
    ['GET', '/api/admin/reports'],
    ['POST', '/api/admin/reports/1/resolve', {}],
    ['POST', '/api/admin/rooms/abc/close', {}],
    ['POST', '/api/admin/rooms/abc/kick', { user_id: 'x' }],
    ['GET', '/api/admin/bans'],
    ['POST', '/api/admin/bans', { user_id: 'x', duration: '1h' }],
    ['DELETE', '/api/admin/bans/x'],
    ['DELETE', '/api/admin/chat/1'],
    ['GET', '/api/admin/audit'],
]

test('without ENSEMBLE_ADMIN_TOKEN every admin route is refused (403), whatever the caller sends', async () => {
    const server = await startMultiplayerServer()
    try {
        for (const [method, path, body] of routes) {
            for (const headers of [{} as Record<string, string>, admin, { authorization: 'Bearer ' }]) {
                const res = await server.request(method, path, { headers, body })
                assert.equal(res.status, 403, `${method} ${path}`)
                assert.match(res.body.error, /ENSEMBLE_ADMIN_TOKEN/)
            }
        }
        const audit = await server.app.store.listAuditEntries({ limit: 10 })
        assert.equal(audit.length, 0)
    } finally {
        await server.close()
    }
})

describe('moderation API', () => {
    let server: MultiplayerServer
    before(async () => (server = await startMultiplayerServer({ adminToken, reconnectGraceMs: 0 })))
    after(() => server.close())

    test('a missing or wrong admin token is 401 on every route, and a user session is no admin token', async () => {
        const user = await signedAuthenticate(server, makeProfile('Someone'))
        for (const [method, path, body] of routes) {
            for (const headers of [
                {} as Record<string, string>,
                { authorization: 'Bearer wrong-token-wrong-token' },
                { authorization: user.session },
                { authorization: `Bearer ${user.session}` },
                { authorization: adminToken },
            ]) {
                const res = await server.request(method, path, { headers, body })
                assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`)
            }
        }
        assert.equal((await server.app.store.listAuditEntries({ limit: 10 })).length, 0, 'nothing done')
    })

    test('the admin routes are in the OpenAPI document', async () => {
        const doc = (await server.request('GET', '/api/openapi.json')).body
        for (const [method, path] of routes) {
            const pattern = path.replace('/1/', '/{id}/').replace(/\/1$/, '/{id}').replace('/abc/', '/{name}/').replace(/\/x$/, '/{user_id}')
            assert.ok(doc.paths[pattern]?.[method.toLowerCase()], `${method} ${pattern}`)
            assert.deepEqual(doc.paths[pattern][method.toLowerCase()].security, [{ admin: [] }])
        }
    })

    test('reports with chat context, resolving, deleting a chat line, kicking, closing a room; all audited', async () => {
        const host = await hostRoom(server)
        const troll = await joinPlayer(server, host.name, 'Troll')
        const watcher = await SseClient.open(`${server.base}/api/rooms/${host.name}/events`)
        const nonce = troll.client.chat('something nasty')
        await troll.client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
        const line = await watcher.next((d) => d.type === 'chat' && d.value === 'something nasty')
        host.client.report(troll.profile.id, 'reason=spamming')
        await host.client.next((e) => e.type === 'addChatMessage' && e.message.userId === null && /report/i.test(String(e.message.value)))

        // The report, with what the reported player said in the room.
        let reports = (await server.request('GET', '/api/admin/reports', { headers: admin })).body.reports
        const report = reports.find((r: any) => r.room_name === host.name)
        assert.ok(report)
        assert.equal(report.target_id, troll.profile.id)
        assert.equal(report.reporter_id, host.profile.id)
        assert.equal(report.resolved_at, null)
        assert.deepEqual(
            report.context.map((m: any) => m.value),
            ['something nasty'],
        )
        const chatId = report.context[0].id as number

        // Deleting the line: gone from the history and from a replay of the feed.
        const deleted = await server.request('DELETE', `/api/admin/chat/${chatId}`, { headers: admin, query: { reason: 'abuse' } })
        assert.equal(deleted.status, 200)
        assert.equal(deleted.body.value, 'something nasty')
        assert.equal((await server.request('DELETE', `/api/admin/chat/${chatId}`, { headers: admin })).status, 404)
        const history = await server.request('GET', `/api/rooms/${host.name}/chat`, { headers: { authorization: host.session } })
        assert.ok(!history.body.messages.some((m: any) => m.value === 'something nasty'))
        const gone = await watcher.next((d) => d.type === 'chat_deleted')
        assert.equal(gone.data.event_id, line.id)
        const firstId = `${line.id!.split('.')[0]}.0`
        const replay = await SseClient.open(`${server.base}/api/rooms/${host.name}/events`, { 'last-event-id': firstId })
        await replay.next((d) => d.type === 'chat_deleted')
        assert.ok(!replay.events.some((e) => e.data.value === 'something nasty'), 'the line is not replayed')
        replay.close()

        // Resolving: once.
        const resolved = await server.request('POST', `/api/admin/reports/${report.id}/resolve`, { headers: admin, body: { note: 'line deleted' } })
        assert.equal(resolved.status, 200)
        assert.equal(resolved.body.resolution, 'line deleted')
        assert.equal(typeof resolved.body.resolved_at, 'number')
        assert.equal((await server.request('POST', `/api/admin/reports/${report.id}/resolve`, { headers: admin, body: {} })).status, 404)
        reports = (await server.request('GET', '/api/admin/reports', { headers: admin })).body.reports
        assert.ok(!reports.some((r: any) => r.id === report.id), 'resolved reports leave the open list')
        reports = (await server.request('GET', '/api/admin/reports', { headers: admin, query: { status: 'all' } })).body.reports
        assert.ok(reports.some((r: any) => r.id === report.id))

        // Kick: the socket closes with 4001 and the player cannot join the room again for now.
        const kicked = await server.request('POST', `/api/admin/rooms/${host.name}/kick`, {
            headers: admin,
            body: { user_id: troll.profile.id, reason: 'spam' },
        })
        assert.deepEqual(kicked.body, { room_name: host.name, user_id: troll.profile.id, connected: true })
        assert.equal((await troll.client.closed).code, 4001)
        assert.equal((await joinRoom(server, host.name, troll.profile, { session: troll.session })).status, 403)
        assert.equal((await server.request('POST', '/api/admin/rooms/nosuchroom/kick', { headers: admin, body: { user_id: 'x' } })).status, 404)

        // Close: the players are told in chat, then disconnected with 4005; the room is gone from the list.
        const told = host.client.next((e) => e.type === 'addChatMessage' && /moderator closed/.test(String(e.message.value)))
        const closed = await server.request('POST', `/api/admin/rooms/${host.name}/close`, { headers: admin, body: { reason: 'done' } })
        assert.deepEqual(closed.body, { closed: host.name })
        await told
        assert.equal((await host.client.closed).code, 4005)
        assert.equal((await server.app.store.getRoom(host.name))!.closedAt !== null, true)
        assert.equal((await server.request('POST', `/api/admin/rooms/${host.name}/close`, { headers: admin, body: {} })).status, 404)
        watcher.close()

        const audit = (await server.request('GET', '/api/admin/audit', { headers: admin })).body.entries
        assert.deepEqual(
            audit.map((e: any) => e.action),
            ['room.close', 'room.kick', 'report.resolve', 'chat.delete'],
        )
        assert.equal(audit[3].details.value, 'something nasty')
        assert.equal(audit[1].target, `user:${troll.profile.id}`)
    })

    test('a server-wide ban: refused at sign-in, join and WebSocket upgrade; lifted by DELETE', async () => {
        const host = await hostRoom(server)
        const banned = await joinPlayer(server, host.name, 'Banned')
        // A join session obtained before the ban: its upgrade must be refused after it.
        const pending = await join(server, host.name, banned.profile, { session: banned.session })

        assert.equal(
            (await server.request('POST', '/api/admin/bans', { headers: admin, body: { user_id: banned.profile.id, duration: 'forever' } })).status,
            400,
        )
        const res = await server.request('POST', '/api/admin/bans', {
            headers: admin,
            body: { user_id: banned.profile.id, duration: '1h', reason: 'cheating' },
        })
        assert.equal(res.status, 201)
        assert.deepEqual(res.body.rooms, [host.name])
        assert.equal(res.body.everywhere, true)
        assert.equal(res.body.ban.until - res.body.ban.created_at, 3600_000)
        // Removed from the live room at once.
        assert.equal((await banned.client.closed).code, 4001)

        const signIn = await postSigned(server, '/sonolus/authenticate', authenticateBody(server, banned.profile))
        assert.equal(signIn.status, 401)
        assert.match(signIn.body.message, /banned/)
        assert.equal((await joinRoom(server, host.name, banned.profile)).status, 403)
        const api = await server.request('POST', '/api/join_room', { headers: { authorization: banned.session }, body: { name: host.name } })
        assert.deepEqual([api.status, api.body], [403, { error: 'banned from this server' }])
        // Every session and API token of the user stops working at once, not only joins.
        const tokens = await server.request('GET', '/api/tokens', { headers: { authorization: banned.session } })
        assert.deepEqual([tokens.status, tokens.body], [403, { error: 'banned from this server' }])
        assert.equal(
            (await server.request('POST', `/api/rooms/${host.name}/chat`, { headers: { authorization: banned.session }, body: { text: 'hi' } }))
                .status,
            403,
        )
        const upgrade = await new Promise<number>((resolve, reject) => {
            const ws = new WebSocket(pending.url, { headers: { 'Sonolus-Room-Session': pending.session } })
            ws.on('unexpected-response', (_req, response) => resolve(response.statusCode!))
            ws.on('open', () => reject(new Error('upgrade accepted')))
            ws.on('error', () => undefined)
        })
        assert.equal(upgrade, 403)

        const bans = (await server.request('GET', '/api/admin/bans', { headers: admin })).body.bans
        assert.deepEqual(
            bans.map((b: any) => [b.user_id, b.reason]),
            [[banned.profile.id, 'cheating']],
        )
        // The ban survives a reload from the store (another node, a restart).
        assert.deepEqual(
            (await server.app.store.listServerBans(server.clock.now())).map((b) => b.userId),
            [banned.profile.id],
        )

        assert.equal((await server.request('DELETE', `/api/admin/bans/${encodeURIComponent(banned.profile.id)}`, { headers: admin })).status, 204)
        assert.equal((await server.request('DELETE', `/api/admin/bans/${encodeURIComponent(banned.profile.id)}`, { headers: admin })).status, 404)
        assert.equal((await postSigned(server, '/sonolus/authenticate', authenticateBody(server, banned.profile))).status, 200)
        assert.equal((await server.request('GET', '/api/tokens', { headers: { authorization: banned.session } })).status, 200)
        const audit = (await server.request('GET', '/api/admin/audit', { headers: admin, query: { limit: 2 } })).body.entries
        assert.deepEqual(
            audit.map((e: any) => e.action),
            ['user.unban', 'user.ban'],
        )
        await host.client.close()
    })
})
