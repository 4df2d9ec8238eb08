// The wire-level suite: the real server in a child process, and players written from the spec texts
// alone (HTTP sign-in and join with bodies this suite signs, bare `ws` sockets, a room model of their
// own). Nothing is imported from src/, client/ or the other test helpers. Every frame any player
// receives must be a text frame holding JSON whose `type` is a spec event type and which matches the
// official schema of that type (raw-client.ts); every HTTP answer must match its endpoint's type.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { officialEventTypes } from '../schema/validate.js'
import { roomUserReader, specEventTypes, WireClient, type WireEvent } from './raw-client.js'
import { startServerProcess, type ServerProcess } from './server-process.js'
import { makeKeys, makeProfile, signBody, SonolusHttp, type Profile } from './sonolus-http.js'
import { gameplayResult, wireLevel, wireLevelItem } from './items.js'

const keys = makeKeys()
let server: ServerProcess
let http: SonolusHttp
const clients: WireClient[] = []

before(async () => {
    server = await startServerProcess(keys.publicJwk)
    http = new SonolusHttp(server.address, keys)
})
after(async () => {
    for (const client of clients) await client.drop()
    if (server) assert.equal(await server.stop(), 0, `server did not exit cleanly:\n${server.output()}`)
})

const level = wireLevel()
const levelItem = wireLevelItem()

type Player = { profile: Profile; session: string }

async function signIn(name: string): Promise<Player> {
    const profile = makeProfile(name)
    return { profile, session: await http.signIn(profile) }
}

async function enter(name: string, roomName: string, player: Player, answer: { url: string; session: string }): Promise<WireClient> {
    const client = await WireClient.connect(name, answer, player.profile.id, roomUserReader(keys.publicJwk, server.address, roomName))
    clients.push(client)
    // An uninitialized app ignores everything before its first UpdateEvent, so the
    // server sends that first: anything earlier would be lost on the player.
    await client.nextOf('update')
    assert.equal(client.events[0]!.type, 'update', `${name}: the first frame is the UpdateEvent`)
    return client
}

/** Waits until `check` holds for every client (their models move as frames arrive). */
async function until(clientsToCheck: WireClient[], what: string, check: (client: WireClient) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
        for (const client of clientsToCheck) if (client.problem) throw client.problem
        if (clientsToCheck.every(check)) return
        if (Date.now() > deadline) {
            const failing = clientsToCheck
                .filter((c) => !check(c))
                .map(
                    (c) =>
                        `${c.name} (last: ${c.events
                            .slice(-4)
                            .map((e) => e.type)
                            .join(', ')})`,
                )
            throw new Error(`${what}: not reached by ${failing.join('; ')}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
    }
}

/** Every initialized client holds the same room (their own models, built from what they received). */
async function agree(room: WireClient[], timeoutMs = 3000): Promise<void> {
    await until(room, 'clients agree', (c) => c.model.phase === 'initialized', timeoutMs)
    const deadline = Date.now() + timeoutMs
    for (;;) {
        try {
            for (const client of room.slice(1))
                assert.deepStrictEqual(client.model.summary(), room[0]!.model.summary(), `${client.name} vs ${room[0]!.name}`)
            return
        } catch (error) {
            if (Date.now() > deadline) throw error
        }
        await new Promise((resolve) => setTimeout(resolve, 10))
    }
}

const noProblems = () => {
    for (const client of clients) assert.equal(client.problem, undefined)
}

test('the spec texts list the same event types as the official Event union', () => {
    assert.deepEqual([...specEventTypes].sort(), [...officialEventTypes].sort())
})

test('HTTP answers match the official types, errors included', async () => {
    const player = await signIn('Looker')
    const info = await http.request('GET', '/sonolus/info', { query: { localization: 'ja' } })
    assert.equal(info.status, 200)
    assert.deepEqual(
        info.body.buttons.map((b: { type: string }) => b.type),
        ['authentication', 'room'],
    )
    for (const session of [undefined, player.session]) {
        const headers: Record<string, string> = session ? { 'sonolus-session': session } : {}
        assert.equal((await http.request('GET', '/sonolus/rooms/info', { headers })).status, 200)
        assert.equal((await http.request('GET', '/sonolus/rooms/list', { headers, query: { type: 'quick', keywords: 'x' } })).status, 200)
    }
    // Errors are ServerMessages: an unknown room, a body signed by another key, no session.
    const unknown = await http.request('POST', '/sonolus/rooms/nosuchroom', { body: '{}', headers: { 'sonolus-signature': 'AAAA' } })
    assert.ok(unknown.status === 401 || unknown.status === 404, `join of an unknown room: ${unknown.status}`)
    const forged = JSON.stringify({ type: 'authenticateServer', address: server.address, time: Date.now(), userProfile: makeProfile('Forger') })
    const refused = await http.request('POST', '/sonolus/authenticate', {
        body: forged,
        headers: { 'sonolus-signature': signBody(makeKeys(), forged) },
    })
    assert.equal(refused.status, 401)
    assert.equal(typeof refused.body.message, 'string')
    assert.equal((await http.request('POST', '/sonolus/rooms/create', { body: '{}' })).status, 401)
})

test('a whole round over the wire: join, chat, play, results, reconnect, leave', async () => {
    const [alice, bob, carol] = await Promise.all([signIn('Alice'), signIn('Bob'), signIn('Carol')])

    // Create (POST /sonolus/rooms/create), then the creator joins with Sonolus-Room-Key and the create form's values.
    const { name: roomName, key } = await http.createRoom(alice.session)
    const aliceAnswer = await http.joinRoom(roomName, alice.profile, { session: alice.session, key, query: { title: 'Wire test', maxPlayers: '4' } })
    assert.equal(aliceAnswer.type, 'round')
    assert.equal(aliceAnswer.url, `${server.address.replace(/^http/, 'ws')}/multiplayer/rooms/${roomName}`)
    const A = await enter('Alice', roomName, alice, aliceAnswer)
    // A join session opens one socket only: the second upgrade is refused before any frame.
    await assert.rejects(
        WireClient.connect('Alice twice', aliceAnswer, alice.profile.id, () => ''),
        /HTTP 401/,
    )
    assert.deepEqual(A.model.users, [alice.profile.id])
    assert.equal(A.model.master, alice.profile.id, 'the creator is master')
    assert.equal(A.model.lead, alice.profile.id, 'the creator is lead')
    assert.equal(A.model.status, 'selecting')
    assert.equal(A.model.title, 'Wire test')
    // The RoomUser relayed is the signed join body, byte for byte.
    assert.equal(Buffer.from(A.all('update')[0]!.users[0].authentication, 'base64').toString(), aliceAnswer.body)

    const listed = await http.request('GET', '/sonolus/rooms/list', { headers: { 'sonolus-session': bob.session } })
    assert.ok(
        listed.body.items.some((item: { name: string }) => item.name === roomName),
        'the room is listed',
    )

    const B = await enter('Bob', roomName, bob, await http.joinRoom(roomName, bob.profile, { session: bob.session }))
    const C = await enter('Carol', roomName, carol, await http.joinRoom(roomName, carol.profile, { session: carol.session }))
    const room = [A, B, C]
    await until(room, 'three players in the room', (c) => c.model.users.length === 3)
    await agree(room)
    assert.deepEqual(A.model.statuses.get(carol.profile.id), 'waiting')

    // Chat: the nonce goes back to the sender only (AddChatMessageEvent).
    B.send({ type: 'addChatMessage', nonce: 41, message: { userId: bob.profile.id, type: 'text', value: 'hello over the wire' } })
    C.send({ type: 'addChatMessage', nonce: 7, message: { userId: carol.profile.id, type: 'quick', value: 'glhf' } })
    const isLine = (value: string) => (e: WireEvent) => e.type === 'addChatMessage' && e.message.value === value
    for (const [client, senderNonce] of [
        [A, undefined],
        [B, 41],
        [C, undefined],
    ] as const) {
        const line = await client.next(isLine('hello over the wire'), 'the chat line')
        assert.equal(line.message.userId, bob.profile.id)
        assert.equal(line.message.type, 'text')
        assert.equal(line.nonce, senderNonce, `${client.name}: nonce`)
        if (senderNonce === undefined) assert.equal(Object.hasOwn(line, 'nonce'), false, `${client.name}: nonce omitted`)
    }
    for (const [client, senderNonce] of [
        [A, undefined],
        [B, undefined],
        [C, 7],
    ] as const) {
        const quick = await client.next(isLine('glhf'), 'the quick chat')
        assert.equal(quick.message.type, 'quick')
        assert.equal(quick.nonce, senderNonce, `${client.name}: quick chat nonce`)
    }

    // Selecting: the lead picks a level and confirms; preparing: players ready or skip.
    A.send({ type: 'updateLevel', level })
    await until(room, 'level selected', (c) => c.model.level?.name === level.name)
    A.send({ type: 'updateStatus', status: 'preparing' })
    await until(room, 'preparing', (c) => c.model.status === 'preparing')
    A.send({ type: 'updateUserStatus', status: 'ready' })
    B.send({ type: 'updateUserStatus', status: 'ready' })
    C.send({ type: 'updateUserStatus', status: 'skipped' })
    const statusOf = (c: WireClient, p: Player) => c.model.statuses.get(p.profile.id)
    await until(
        room,
        'ready, ready, skipped',
        (c) => statusOf(c, alice) === 'ready' && statusOf(c, bob) === 'ready' && statusOf(c, carol) === 'skipped',
    )
    await agree(room)

    // The master starts: readied players get one StartRoundEvent, the same for both.
    A.send({ type: 'updateStatus', status: 'playing' })
    await until(room, 'playing', (c) => c.model.status === 'playing')
    const [roundA, roundB] = await Promise.all([A.nextOf('startRound'), B.nextOf('startRound')])
    assert.equal(roundA.state, roundB.state)
    assert.equal(roundA.seed, roundB.seed)
    assert.ok(roundA.seed >= 0 && roundA.seed <= 1)
    const state = roundA.state as string

    // Gameplay: the app sends StartGameplayCommand with the round state and is suspended until it finishes.
    for (const client of [A, B]) {
        client.send({ type: 'startGameplay', state, level: levelItem })
        client.model.startGameplay()
    }
    await until([C], 'Alice and Bob playing', (c) => statusOf(c, alice) === 'playing' && statusOf(c, bob) === 'playing')
    const readResult = (c: WireClient, p: Player) => c.model.results.get(p.profile.id) as { arcadeScore: number } | undefined

    A.send({ type: 'finishGameplay', state, result: gameplayResult(912_345) })
    A.model.finishGameplay()
    await A.nextOf('update') // back from gameplay: a fresh UpdateEvent
    await until([A, C], "Alice's result", (c) => readResult(c, alice)?.arcadeScore === 912_345)
    assert.equal(A.model.status, 'playing', 'the round waits for Bob')

    B.send({ type: 'finishGameplay', state, result: gameplayResult(800_000) })
    B.model.finishGameplay()
    await B.nextOf('update')
    // Everyone who played finished: the round ends by itself, results stay.
    await until(room, 'back to selecting', (c) => c.model.status === 'selecting')
    await until(room, 'both results', (c) => readResult(c, alice)?.arcadeScore === 912_345 && readResult(c, bob)?.arcadeScore === 800_000)
    await agree(room)
    for (const client of room) for (const player of [alice, bob, carol]) assert.equal(statusOf(client, player), 'waiting')
    assert.equal(C.all('startRound').length, 0, 'a skipped player is not started')

    // A finish with the ended round's state changes nothing (StartRoundEvent: the state identifies the round).
    const resultsBefore = C.all('addResult').length
    A.send({ type: 'finishGameplay', state, result: gameplayResult(999_999) })
    A.model.finishGameplay()
    await A.nextOf('update')
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal(C.all('addResult').length, resultsBefore, 'a stale finish added a result')
    await agree(room)

    // Reconnect: Bob's network drops; he joins again and gets the whole room in one UpdateEvent.
    await B.drop()
    const B2 = await enter('Bob again', roomName, bob, await http.joinRoom(roomName, bob.profile, { session: bob.session }))
    const fresh = B2.all('update')[0]!
    assert.equal(fresh.users.length, 3, 'Bob kept his seat')
    assert.equal(fresh.results.length, 2, 'the results are in the UpdateEvent')
    assert.equal(fresh.level.name, level.name)
    const back = [A, B2, C]
    await agree(back)
    assert.equal(A.all('removeUser').length, 0, 'a dropped player is not removed within the grace')
    B2.send({ type: 'addChatMessage', nonce: 1, message: { userId: bob.profile.id, type: 'text', value: 'back' } })
    assert.equal((await B2.next(isLine('back'), 'the chat line after the reconnect')).nonce, 1)
    await A.next(isLine('back'), "Bob's line at Alice")

    // Carol leaves normally: the others see her removed.
    await C.close()
    await until([A, B2], 'Carol removed', (c) => c.model.users.length === 2 && !c.model.users.includes(carol.profile.id))
    await agree([A, B2])

    noProblems()
    const frames = clients.reduce((n, c) => n + c.frames, 0)
    const types = new Set(clients.flatMap((c) => c.events.map((e) => e.type)))
    console.log(`wire: ${frames} frames (${types.size} event types: ${[...types].sort().join(' ')}) and ${http.answers} HTTP answers checked`)
    for (const type of [
        'update',
        'addUser',
        'removeUser',
        'addChatMessage',
        'updateLevel',
        'updateStatus',
        'updateUserStatus',
        'startRound',
        'addResult',
    ]) {
        assert.ok(types.has(type), `no ${type} event was seen`)
    }
})

test('roles, suggestions, level options, room options, a team scoreboard and a kick over the wire', async () => {
    const [alice, bob, carol] = await Promise.all([signIn('Ann'), signIn('Ben'), signIn('Cat')])
    const { name: roomName, key } = await http.createRoom(alice.session)
    const A = await enter(
        'Ann',
        roomName,
        alice,
        await http.joinRoom(roomName, alice.profile, { session: alice.session, key, query: { teams: '2', scoring: 'accuracy' } }),
    )
    const B = await enter('Ben', roomName, bob, await http.joinRoom(roomName, bob.profile, { session: bob.session }))
    const C = await enter('Cat', roomName, carol, await http.joinRoom(roomName, carol.profile, { session: carol.session }))
    const room = [A, B, C]
    await until(room, 'three players', (c) => c.model.users.length === 3)
    await agree(room)
    assert.equal(A.model.sections.length, 2, 'two teams, two sections')
    A.send({ type: 'addChatMessage', nonce: 1, message: { userId: alice.profile.id, type: 'text', value: '/title Team night' } })
    await until(room, 'the new title', (c) => c.model.title === 'Team night')

    // Suggestions: added by players, swapped, removed, locked and cleared by the lead.
    const [l1, l2, l3] = ['one', 'two', 'three'].map((name) => ({ address: 'https://levels.example.com', name }))
    B.send({ type: 'addSuggestion', level: l1 })
    await until(room, "Ben's suggestion", (c) => c.model.suggestions.length === 1)
    C.send({ type: 'addSuggestion', level: l2 })
    await until(room, 'two suggestions', (c) => c.model.suggestions.length === 2)
    const [first, second] = A.model.suggestions
    A.send({ type: 'swapSuggestions', suggestionA: first, suggestionB: second })
    await until(room, 'swapped', (c) => c.model.suggestions[0]?.level.name === 'two')
    A.send({ type: 'removeSuggestion', suggestion: first })
    await until(room, 'one suggestion left', (c) => c.model.suggestions.length === 1)
    A.send({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked: true })
    await until(room, 'locked', (c) => c.model.isSuggestionsLocked)
    B.send({ type: 'addSuggestion', level: l3 })
    await new Promise((resolve) => setTimeout(resolve, 200))
    await agree(room)
    assert.equal(A.model.suggestions.length, 1, 'a locked list takes no suggestion')
    A.send({ type: 'clearSuggestions' })
    await until(room, 'cleared', (c) => c.model.suggestions.length === 0)

    // Level, level option, auto exit (lead, while selecting); room options (master).
    A.send({ type: 'updateLevel', level: l1 })
    A.send({ type: 'updateLevelOption', levelOption: { index: 0, value: 3 } })
    A.send({ type: 'updateAutoExit', autoExit: 'fullCombo' })
    await until(room, 'level settings', (c) => c.model.level?.name === 'one' && c.model.levelOptions.length === 1 && c.model.autoExit === 'fullCombo')
    A.send({ type: 'updateOptionValues', optionValues: A.model.optionValues.replace('scoring=accuracy', 'scoring=arcade') })
    await until(room, 'arcade scoring', (c) => c.model.optionValues.includes('scoring=arcade'))

    // Roles: the lead goes to Ben (who may then select), the master to Cat.
    A.send({ type: 'updateLead', lead: bob.profile.id })
    await until(room, 'Ben leads', (c) => c.model.lead === bob.profile.id)
    B.send({ type: 'updateLevel', level: l2 })
    await until(room, "Ben's level", (c) => c.model.level?.name === 'two')
    A.send({ type: 'updateMaster', master: carol.profile.id })
    await until(room, 'Cat is master', (c) => c.model.master === carol.profile.id)
    await agree(room)

    // A round for three: the lead confirms, the master starts; scores land on the team sections.
    B.send({ type: 'updateStatus', status: 'preparing' })
    await until(room, 'preparing', (c) => c.model.status === 'preparing')
    for (const client of room) client.send({ type: 'updateUserStatus', status: 'ready' })
    await until(room, 'all ready', (c) => [...c.model.statuses.values()].every((s) => s === 'ready'))
    C.send({ type: 'updateStatus', status: 'playing' })
    const rounds = await Promise.all(room.map((c) => c.nextOf('startRound')))
    assert.equal(new Set(rounds.map((r) => `${r.state}/${r.seed}`)).size, 1, 'one round state and seed for all')
    const state = rounds[0]!.state as string
    for (const client of room) {
        client.send({ type: 'startGameplay', state, level: levelItem })
        client.model.startGameplay()
    }
    for (const [client, score] of [
        [C, 500_000],
        [A, 900_000],
        [B, 700_000],
    ] as const) {
        await new Promise((resolve) => setTimeout(resolve, 50))
        client.send({ type: 'finishGameplay', state, result: gameplayResult(score) })
        client.model.finishGameplay()
        await client.nextOf('update')
    }
    await until(room, 'round over', (c) => c.model.status === 'selecting' && c.model.results.size === 3)
    await agree(room)
    const scored = A.model.sections.flatMap((s) => s.scores.map((sc) => sc.userId)).sort()
    assert.deepEqual(scored, [alice.profile.id, bob.profile.id, carol.profile.id].sort(), 'everyone is on the scoreboard once')

    // The master kicks Ann: her socket closes (the app must never get its own RemoveUserEvent), the others see her go.
    C.send({ type: 'removeUser', userId: alice.profile.id })
    const closed = await A.closed
    assert.equal(closed.code, 4001, 'kicked')
    await until([B, C], 'Ann removed', (c) => c.model.users.length === 2 && !c.model.users.includes(alice.profile.id))
    await agree([B, C])
    // A kicked player's join is refused for a while, with a ServerMessage (checked by SonolusHttp).
    await assert.rejects(http.joinRoom(roomName, alice.profile, { session: alice.session }), /: 403 /)

    noProblems()
    const types = new Set(room.flatMap((c) => c.events.map((e) => e.type)))
    console.log(`wire (roles and scoreboard): ${room.reduce((n, c) => n + c.frames, 0)} frames, event types: ${[...types].sort().join(' ')}`)
    for (const type of [
        'updateTitle',
        'addSuggestion',
        'swapSuggestions',
        'removeSuggestion',
        'updateIsSuggestionsLocked',
        'clearSuggestions',
        'updateLevelOption',
        'updateAutoExit',
        'updateOptionValues',
        'updateLead',
        'updateMaster',
    ]) {
        assert.ok(types.has(type), `no ${type} event was seen`)
    }
})
