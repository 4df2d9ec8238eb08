// What the room list and the join say about live rooms: the real master after the role moved, and a
// kick's ban that holds even when its store write fails.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { RoomItem, ServerItemList } from '@sonolus/core'
import { t } from '../../src/i18n.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { connect, hostRoom, joinPlayer, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join, joinRoom, signedAuthenticate } from '../helpers/sonolus.js'

const listed = async (server: MultiplayerServer, name: string): Promise<RoomItem | undefined> => {
    const res = await server.request<ServerItemList<RoomItem>>('GET', '/sonolus/rooms/list', { query: { type: 'quick', keywords: name } })
    return res.body.items.find((i) => i.name === name)
}

describe('room list: the master now', () => {
    let server: MultiplayerServer
    before(async () => (server = await startMultiplayerServer({ reconnectGraceMs: 0 })))
    after(() => server.close())

    test('after the creator leaves, and after a hand-over, the list names the real master', async () => {
        const host = await hostRoom(server, { title: 'Handover' })
        const first = await joinPlayer(server, host.name, 'First')
        const second = await joinPlayer(server, host.name, 'Second')
        assert.equal((await listed(server, host.name))?.master, 'Creator')

        await host.client.close()
        await first.client.next((e) => e.type === 'updateMaster' && e.master === first.profile.id)
        assert.equal((await listed(server, host.name))?.master, 'First')

        first.client.setMaster(second.profile.id)
        await second.client.next((e) => e.type === 'updateMaster' && e.master === second.profile.id)
        assert.equal((await listed(server, host.name))?.master, 'Second')
        await first.client.close()
        await second.client.close()
    })
})

describe('kick bans when the store cannot write them', () => {
    let server: MultiplayerServer
    let banWrites = 0
    before(async () => {
        server = await startMultiplayerServer(
            {},
            {
                // The store refuses every ban write (a full disk, a lost database...); everything else works.
                store: (config) => {
                    const inner = new SqliteStore({ path: (config.database as { path: string }).path })
                    return new Proxy(inner, {
                        get(target, prop) {
                            if (prop === 'addRoomBan') {
                                return async () => {
                                    banWrites++
                                    throw new Error('disk I/O error')
                                }
                            }
                            const value = Reflect.get(target, prop, target)
                            return typeof value === 'function' ? value.bind(target) : value
                        },
                    })
                },
            },
        )
    })
    after(() => server.close())

    test('the kicked player is refused over HTTP and over WebSocket for the whole ban', async () => {
        const host = await hostRoom(server)
        const guest = await joinPlayer(server, host.name, 'Troll')
        // A join answer taken before the kick: its WebSocket session is still unused.
        const spare = await signedAuthenticate(server, guest.profile)
        const answer = await join(server, host.name, guest.profile, { session: spare.session })

        host.client.kick(guest.profile.id)
        assert.equal((await guest.client.closed).code, 4001)
        assert.equal(banWrites, 1, 'the ban write was tried and failed')

        const again = await signedAuthenticate(server, guest.profile)
        const res = await joinRoom(server, host.name, guest.profile, { session: again.session })
        assert.equal(res.status, 403)
        assert.equal(res.body.message, t('en', 'roomBanned'))
        await assert.rejects(connect(server, host.name, answer, guest.profile), /HTTP 403/)
        assert.equal(server.multiplayer.hub.isMember(host.name, guest.profile.id), false)

        server.clock.advance(server.config.kickBanMs + 1)
        const later = await signedAuthenticate(server, guest.profile)
        assert.equal((await joinRoom(server, host.name, guest.profile, { session: later.session })).status, 200, 'the ban ends')
        await host.client.close()
    })
})
