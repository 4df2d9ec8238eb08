// GET /sonolus/rooms/info and /sonolus/rooms/list: sections and forms, 20 a page, quick and advanced search.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { RoomItem, ServerItemInfo, ServerItemList } from '@sonolus/core'
import { t } from '../../src/i18n.js'
import type { LiveRoomInfo, LiveRoomSource } from '../../src/rooms/live-info.js'
import { startTestServer, type TestServer } from '../helpers/server.js'
import { createAndJoin, createRoom, join, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

class FakeLive implements LiveRoomSource {
    rooms = new Map<string, LiveRoomInfo>()
    info(name: string) {
        return this.rooms.get(name)
    }
    entries() {
        return this.rooms.entries()
    }
    isMember() {
        return false
    }
    isBanned() {
        return false
    }
}

describe('rooms list and info', () => {
    let server: TestServer
    const live = new FakeLive()
    const created: string[] = [] // oldest first
    before(async () => {
        server = await startTestServer({ liveRooms: live, config: { roomCreatesPerMinute: 1000, maxRoomsPerPlayer: 1000 } })
        const creator = await signedAuthenticate(server, makeProfile('Host'))
        for (let i = 0; i < 45; i++) {
            const { name, key } = await createRoom(server, creator.session)
            server.clock.advance(1) // distinct creation times: a stable newest-first order
            await join(server, name, creator.profile, { key, query: { title: i % 2 ? `Odd room ${i}` : `Even room ${i}`, maxPlayers: 4 } })
            created.push(name)
        }
    })
    after(() => server.close())

    const list = (query: Record<string, string | number> = {}) =>
        server.request<ServerItemList<RoomItem>>('GET', '/sonolus/rooms/list', { query })

    test('20 rooms a page, newest first, pageCount over all pages', async () => {
        const pages = await Promise.all([0, 1, 2, 3].map((page) => list({ page })))
        assert.deepEqual(
            pages.map((p) => p.body.items.length),
            [20, 20, 5, 0],
        )
        for (const p of pages) assert.equal(p.body.pageCount, 3)
        const all = pages.flatMap((p) => p.body.items.map((i) => i.name))
        assert.deepEqual(all, [...created].reverse())
        assert.ok(pages[0]!.body.searches?.some((f) => f.type === 'advanced'))
        assert.ok(pages[0]!.body.searches?.some((f) => f.type === 'private'))
    })

    test('a room item: title, status subtitle, master, players tag', async () => {
        const item = (await list()).body.items[0]!
        assert.equal(item.name, created.at(-1))
        assert.equal(item.title, 'Even room 44')
        assert.equal(item.subtitle, t('en', 'statusSelecting'))
        assert.equal(item.master, 'Host')
        assert.ok(item.tags.some((tag) => tag.title === t('en', 'players', { count: 0, max: 4 })))
    })

    test('a negative or non-numeric page → 400', async () => {
        assert.equal((await list({ page: -1 })).status, 400)
        assert.equal((await list({ page: 'two' })).status, 400)
    })

    test('quick search by keywords (every keyword must match)', async () => {
        const odd = await list({ type: 'quick', keywords: 'odd' })
        assert.equal(odd.body.items.length, 20)
        assert.equal(odd.body.pageCount, 2)
        assert.ok(odd.body.items.every((i) => i.title.startsWith('Odd')))
        const one = await list({ type: 'quick', keywords: 'odd 13' })
        assert.deepEqual(
            one.body.items.map((i) => i.title),
            ['Odd room 13'],
        )
        assert.equal((await list({ type: 'quick', keywords: 'nothing-like-this' })).body.items.length, 0)
        assert.equal((await list({ type: 'quick', keywords: 'host' })).body.items.length, 20, 'matches the creator name')
        assert.equal((await list({ type: 'quick', keywords: '100%' })).body.items.length, 0, 'LIKE wildcards are literal')
    })

    test('advanced search: status, free seats, level', async () => {
        const [c, b, a] = created.slice(-3) // on the first page
        live.rooms.set(a!, { playerCount: 4, maxPlayers: 4, status: 'playing', level: { address: 'https://levels.example', name: 'tutorial-expert' }, title: 'A' })
        live.rooms.set(b!, { playerCount: 1, maxPlayers: 4, status: 'preparing', level: { address: 'https://levels.example', name: 'other' }, title: 'B' })
        live.rooms.set(c!, { playerCount: 4, maxPlayers: 4, status: 'selecting', level: null, title: 'C' })
        try {
            const names = async (query: Record<string, string>) => (await list({ type: 'advanced', ...query })).body.items.map((i) => i.name)
            assert.deepEqual(await names({ status: 'playing' }), [a])
            assert.deepEqual(await names({ status: 'preparing' }), [b])
            assert.ok(!(await names({ freeSeats: '1' })).includes(a!))
            assert.ok(!(await names({ freeSeats: '1' })).includes(c!))
            assert.ok((await names({ freeSeats: '1' })).includes(b!))
            assert.deepEqual(await names({ level: 'TUTORIAL' }), [a])
            assert.deepEqual(await names({ status: 'playing', freeSeats: '1' }), [])
            assert.equal((await list({ type: 'advanced', status: 'dancing' })).status, 400)
            const item = (await list({ type: 'advanced', status: 'playing' })).body.items[0]!
            assert.equal(item.title, 'A', 'live title wins')
            assert.equal(item.subtitle, `${t('en', 'statusPlaying')} · tutorial-expert`)
            assert.ok(item.tags.some((tag) => tag.title === t('en', 'tagFull')))
        } finally {
            live.rooms.clear()
        }
    })

    test('rooms info: create form, search forms, sections; the player sees their own rooms', async () => {
        const anon = await server.request<ServerItemInfo>('GET', '/sonolus/rooms/info')
        assert.equal(anon.status, 200)
        const create = anon.body.creates?.[0]
        assert.ok(create)
        assert.deepEqual(
            create.options.map((o) => o.query),
            ['title', 'password', 'maxPlayers', 'scoring', 'teams', 'allowOtherServers'],
        )
        const maxPlayers = create.options.find((o) => o.query === 'maxPlayers')
        assert.ok(maxPlayers?.type === 'slider' && maxPlayers.max === server.config.maxPlayersLimit && maxPlayers.def === 16)
        const allow = create.options.find((o) => o.query === 'allowOtherServers')
        assert.ok(allow?.type === 'toggle' && allow.def === true)
        assert.deepEqual(
            anon.body.searches?.map((s) => s.type),
            ['advanced', 'private'],
        )
        const open = anon.body.sections.find((s) => s.title === t('en', 'sectionOpenRooms'))
        assert.ok(open && open.items.length > 0 && open.searchValues === 'type=advanced&freeSeats=1')

        const mine = await createAndJoin(server, { params: { title: 'Mine' } })
        const info = await server.request<ServerItemInfo>('GET', '/sonolus/rooms/info', { headers: { 'sonolus-session': mine.session } })
        const yours = info.body.sections.find((s) => s.title === t('en', 'sectionYourRooms'))
        assert.deepEqual(
            yours?.items.map((i) => i.name),
            [mine.name],
        )
    })

    test('rooms info in Japanese', async () => {
        const info = await server.request<ServerItemInfo>('GET', '/sonolus/rooms/info', { query: { localization: 'ja' } })
        assert.equal(info.body.creates?.[0]?.title, 'ルームを作成')
        assert.ok(info.body.sections.some((s) => s.title === '参加できるルーム'))
    })
})
