// GET /sonolus/rooms/info and /sonolus/rooms/list: sections and forms, 20 a page, quick and advanced search.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { RoomItem, ServerItemInfo, ServerItemList } from '@sonolus/core'
import { t } from '../../src/i18n.js'
import type { LiveRoomInfo, LiveRoomSource } from '../../src/rooms/live-info.js'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
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

    const list = (query: Record<string, string | number> = {}) => server.request<ServerItemList<RoomItem>>('GET', '/sonolus/rooms/list', { query })

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
        live.rooms.set(a!, {
            playerCount: 4,
            maxPlayers: 4,
            status: 'playing',
            level: { address: 'https://levels.example', name: 'tutorial-expert' },
            title: 'A',
        })
        live.rooms.set(b!, {
            playerCount: 1,
            maxPlayers: 4,
            status: 'preparing',
            level: { address: 'https://levels.example', name: 'other' },
            title: 'B',
        })
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

describe('rooms list: filtered and paged by the store', () => {
    let server: TestServer
    const live = new FakeLive()
    /** Rows each listOpenRooms call returned (the store is wrapped to count them). */
    const rowsRead: number[] = []
    const created: string[] = [] // oldest first
    let host: Awaited<ReturnType<typeof signedAuthenticate>>
    let privateRoom: string
    before(async () => {
        server = await startTestServer({
            liveRooms: live,
            config: { roomCreatesPerMinute: 1000, maxRoomsPerPlayer: 1000 },
            store: (config) => {
                const inner = new SqliteStore({ path: (config.database as { path: string }).path })
                return new Proxy(inner, {
                    get(target, prop) {
                        if (prop === 'listOpenRooms') {
                            return async (q: Parameters<SqliteStore['listOpenRooms']>[0]) => {
                                const rooms = await target.listOpenRooms(q)
                                rowsRead.push(rooms.length)
                                return rooms
                            }
                        }
                        const value = Reflect.get(target, prop, target)
                        return typeof value === 'function' ? value.bind(target) : value
                    },
                })
            },
        })
        host = await signedAuthenticate(server, makeProfile('Pager'))
        for (let i = 0; i < 60; i++) {
            const { name, key } = await createRoom(server, host.session)
            server.clock.advance(1)
            await join(server, name, host.profile, { key, query: { title: `Paged ${i}`, maxPlayers: 4 } })
            created.push(name)
        }
        const { name, key } = await createRoom(server, host.session)
        server.clock.advance(1)
        await join(server, name, host.profile, { key, query: { title: 'Hidden', password: 'pw', maxPlayers: 4 } })
        privateRoom = name
    })
    after(() => server.close())

    const list = (query: Record<string, string | number> = {}, session?: string) =>
        server.request<ServerItemList<RoomItem>>('GET', '/sonolus/rooms/list', { query, headers: session ? { 'sonolus-session': session } : {} })
    const newestFirst = () => [...created].reverse()

    test('a page reads at most a page of rooms from the store, whatever the number of open rooms', async () => {
        rowsRead.length = 0
        const page = await list({ page: 2 })
        assert.deepEqual(
            page.body.items.map((i) => i.name),
            newestFirst().slice(40, 60),
        )
        assert.equal(page.body.pageCount, 3)
        assert.deepEqual(rowsRead, [20])
    })

    test('private rooms: counted and listed for their creator only', async () => {
        const anon = await list()
        assert.equal(anon.body.pageCount, 3)
        assert.ok(!anon.body.items.some((i) => i.name === privateRoom))
        const mine = await list({}, host.session)
        assert.equal(mine.body.pageCount, 4, '61 rooms')
        assert.equal(mine.body.items[0]?.name, privateRoom)
        const other = await signedAuthenticate(server, makeProfile('Stranger'))
        assert.equal((await list({ page: 2 }, other.session)).body.items.length, 20)
        assert.equal((await list({}, other.session)).body.pageCount, 3)
    })

    test('live filters become name sets: pages and page counts follow them', async () => {
        const newest = newestFirst()
        // 25 rooms playing, spread over every page (every other room from the oldest).
        const playing = created.filter((_, i) => i % 2 === 0 && i < 50)
        for (const name of playing) live.rooms.set(name, { playerCount: 1, maxPlayers: 4, status: 'playing', level: null, title: 'P' })
        // 10 full rooms, selecting.
        const full = created.filter((_, i) => i % 2 === 1).slice(0, 10)
        for (const name of full) live.rooms.set(name, { playerCount: 4, maxPlayers: 4, status: 'selecting', level: null, title: 'F' })
        try {
            rowsRead.length = 0
            const p0 = await list({ type: 'advanced', status: 'playing' })
            const p1 = await list({ type: 'advanced', status: 'playing', page: 1 })
            assert.equal(p0.body.pageCount, 2)
            const playingNewestFirst = newest.filter((n) => playing.includes(n))
            assert.deepEqual(
                [...p0.body.items, ...p1.body.items].map((i) => i.name),
                playingNewestFirst,
            )
            assert.deepEqual(rowsRead, [20, 5])

            // selecting: every room nobody entered, and the live ones selecting (the full ones).
            const selecting = await list({ type: 'advanced', status: 'selecting', page: 1 })
            assert.equal(selecting.body.pageCount, 2, `${60 - 25} rooms`)
            assert.deepEqual(
                selecting.body.items.map((i) => i.name),
                newest.filter((n) => !playing.includes(n)).slice(20, 40),
            )

            // free seats: all but the full ones; with status playing: the playing ones (none is full).
            const free = await list({ type: 'advanced', freeSeats: '1', page: 2 })
            assert.equal(free.body.pageCount, 3, '50 rooms')
            assert.deepEqual(
                free.body.items.map((i) => i.name),
                newest.filter((n) => !full.includes(n)).slice(40, 60),
            )
            assert.equal((await list({ type: 'advanced', freeSeats: '1', status: 'selecting' })).body.pageCount, 2, '25 rooms')
            assert.equal((await list({ type: 'advanced', status: 'preparing' })).body.items.length, 0)
            assert.equal((await list({ type: 'advanced', status: 'preparing' })).body.pageCount, 1)
            // keywords and a live filter together.
            // ('1' is not in room names: '12' can only be the title's number.)
            assert.deepEqual(
                (await list({ type: 'advanced', status: 'playing', keywords: 'Paged 12' })).body.items.map((i) => i.name),
                [created[12]],
            )
            assert.deepEqual((await list({ type: 'advanced', status: 'playing', keywords: 'Paged 13' })).body.items, [])
        } finally {
            live.rooms.clear()
        }
    })
})
