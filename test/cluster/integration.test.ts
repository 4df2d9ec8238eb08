// Three Ensemble nodes on one PostgreSQL database and one Redis (issue 17), as an operator runs them:
// `node dist/src/main.js` child processes sharing a public address, each with its own node URL, the test's
// own redis-server and a throwaway database. Players are the Sonolus app (signed HTTP, test/wire clients
// over real WebSockets). The scenarios run in order on one cluster:
//   placement, lists and joins through every node; REST chat and moderation through another node;
//   Redis killed and restarted empty; a node stalled past the node ttl; kill -9 of the node hosting a room;
//   SIGTERM of a node hosting a room.
// Always runs (whatever ENSEMBLE_TEST_STORE says): without redis-server or PostgreSQL it fails, saying why.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { eventually, readyz, startCluster, type ClusterNode, type TestCluster } from '../helpers/cluster-nodes.js'
import { roomUserReader, WireClient, type WireEvent } from '../wire/raw-client.js'
import { gameplayResult, wireLevel, wireLevelItem } from '../wire/items.js'
import { makeProfile, signBody, type Profile } from '../wire/sonolus-http.js'
import { SseClient } from '../helpers/sse.js'

let cluster: TestCluster
before(async () => {
    cluster = await startCluster({ nodes: 3 })
})
after(async () => {
    for (const client of clients) if (!client.closedWith) await client.drop()
    await cluster?.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Every socket a test opened (dropped at the end). */
const clients: WireClient[] = []

type Player = { profile: Profile; session: string }
type Seat = Player & { client: WireClient; answer: { url: string; session: string } }

async function api(node: ClusterNode, method: string, path: string, options: { token?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = {}
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${node.url}/api${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any, text }
}

const admin = (node: ClusterNode, method: string, path: string, body: unknown) =>
    api(node, method, `/admin${path}`, { token: cluster.adminToken, body })

async function signIn(node: ClusterNode, name: string): Promise<Player> {
    const profile = makeProfile(name)
    return { profile, session: await cluster.http(node).signIn(profile) }
}

/** Joins `room` through `node` (the creator brings the key) and opens the answer's url, as the app does. */
async function enter(node: ClusterNode, room: string, player: Player, key?: string): Promise<Seat> {
    const answer = await cluster.http(node).joinRoom(room, player.profile, { session: player.session, ...(key ? { key } : {}) })
    const reader = roomUserReader(cluster.keys.publicJwk, cluster.address, room)
    const client = await WireClient.connect(player.profile.name, answer, player.profile.id, reader).catch((e: Error) => {
        const owner = cluster.ownerOf(answer.url)
        const where = owner ? `node ${owner.name}${owner.running() ? '' : ', exited'}` : 'no node of the cluster'
        throw new Error(
            `${player.profile.name} joined ${room} through ${node.name}; its url ${answer.url} (${where}) refused the socket: ${e.message}`,
        )
    })
    clients.push(client)
    await client.nextOf('update')
    return { ...player, client, answer }
}

/** Signs in through `node`, creates a room there and enters it as its creator. */
async function hostRoom(node: ClusterNode, name: string): Promise<{ room: string; host: Seat; owner: ClusterNode }> {
    const player = await signIn(node, name)
    const { name: room, key } = await cluster.http(node).createRoom(player.session)
    const host = await enter(node, room, player, key)
    const owner = cluster.ownerOf(host.answer.url)
    assert.ok(owner, `the join answer ${host.answer.url} names one of the nodes`)
    return { room, host, owner }
}

const listed = async (node: ClusterNode, room: string) => {
    const res = await cluster.http(node).request('GET', '/sonolus/rooms/list')
    return (res.body.items as { name: string }[]).some((item) => item.name === room)
}
/** Waits until `room` is listed through `node`; when it is not, the failure says what the node lists and logged. */
async function listedAgain(node: ClusterNode, room: string, timeoutMs: number): Promise<void> {
    try {
        await eventually(`${room} listed on ${node.name} again`, () => listed(node, room), timeoutMs)
    } catch (e) {
        const list = await cluster
            .http(node)
            .request('GET', '/sonolus/rooms/list')
            .then(
                (res) => `${res.status} ${res.text.slice(0, 2000)}`,
                (err: Error) => err.message,
            )
        const view = await api(node, 'GET', `/rooms/${room}`).then(
            (res) => `${res.status} ${res.text.slice(0, 2000)}`,
            (err: Error) => err.message,
        )
        const logs = cluster.nodes.map(
            (n) => `--- ${n.name} (${n.running() ? 'running' : 'exited'}):\n${n.output().split('\n').slice(-40).join('\n')}`,
        )
        throw new Error([(e as Error).message, `list: ${list}`, `room: ${view}`, ...logs].join('\n'), { cause: e })
    }
}
const apiListed = async (node: ClusterNode, room: string) => {
    const res = await api(node, 'GET', '/rooms')
    assert.equal(res.status, 200, res.text)
    return (res.body.rooms as { room_name: string; players: number }[]).find((r) => r.room_name === room)
}
/** The status of a join through `node` (200, or the refusal's). */
async function joinAs(node: ClusterNode, room: string, player: Player): Promise<number> {
    try {
        await cluster.http(node).joinRoom(room, player.profile, { session: player.session })
        return 200
    } catch (e) {
        const status = /: (\d{3}) /.exec((e as Error).message)?.[1]
        if (!status) throw e
        return Number(status)
    }
}
const sees = (seat: Seat, text: string, what = `"${text}"`) =>
    seat.client.next((e: WireEvent) => e.type === 'addChatMessage' && String(e.message.value).includes(text), what, 10_000)
const waitUsers = (seats: Seat[], count: number) =>
    eventually(`${count} players in every model`, async () => seats.every((s) => s.client.model.users.length === count))
/** The running nodes other than `node`. */
const others = (node: ClusterNode) => cluster.nodes.filter((n) => n !== node && n.running())

// The room of the first scenarios and its players; the kill -9 scenario kills its owner.
let main: { room: string; owner: ClusterNode; seats: Seat[] } | undefined
/** The scenarios build on each other: a later one fails at once, saying so, when an earlier one did not get there. */
const current = () => {
    if (!main) throw new Error('an earlier scenario failed: no room to go on with')
    return main
}

test(
    'a room created through one node is hosted on a live node, listed and joinable through every node; joins name the owner',
    { timeout: 90_000 },
    async () => {
        const [A, B, C] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
        const { room, host, owner } = await hostRoom(A, 'Host')
        assert.equal(host.answer.url, `ws://${owner.hostPort}/multiplayer/rooms/${room}`)

        // Every node lists it (the Sonolus list and the API), with its live player count.
        for (const node of cluster.nodes) {
            await eventually(`${room} in ${node.name}'s Sonolus list`, () => listed(node, room))
            await eventually(`${room} with 1 player in ${node.name}'s API list`, async () => {
                const row = await apiListed(node, room)
                assert.equal(row?.players, 1, JSON.stringify(row))
                return true
            })
        }

        // Joins through B and C answer with the owner's URL; the sockets go there and play in one room.
        const guest = await enter(B, room, await signIn(B, 'Guest'))
        const third = await enter(C, room, await signIn(C, 'Third'))
        for (const seat of [guest, third]) assert.equal(seat.answer.url, host.answer.url, `${seat.profile.name}'s join names the owner`)
        const seats = [host, guest, third]
        await waitUsers(seats, 3)

        // Any node shows the owner's live players.
        for (const node of cluster.nodes) {
            const details = await eventually(`${node.name} shows 3 players`, async () => {
                const res = await api(node, 'GET', `/rooms/${room}`)
                return res.status === 200 && res.body.players.length === 3 && res.body
            })
            assert.deepEqual(new Set(details.players.map((p: { id: string }) => p.id)), new Set(seats.map((s) => s.profile.id)), node.name)
            assert.equal(details.capacity.players, 3)
        }
        main = { room, owner, seats }
    },
)

test(
    'web sign-in with Sonolus: the page asks one node, the app signs in through another, the pickup is on a third',
    { timeout: 30_000 },
    async () => {
        const [A, B, C] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
        const cookieOf = (res: Response, name: string) =>
            res.headers
                .getSetCookie()
                .find((c) => c.startsWith(`${name}=`))
                ?.split(';')[0]
        const started = await fetch(`${A.url}/web/logins`, { method: 'POST', headers: { 'x-ensemble-csrf': '1' } })
        assert.equal(started.status, 200)
        const { id, url } = (await started.json()) as { id: string; url: string }
        const login = cookieOf(started, 'ensemble_login')
        assert.ok(login)
        const poll = async (node: ClusterNode) => {
            const res = await fetch(`${node.url}/web/logins/${id}`, { headers: { cookie: login } })
            return { res, body: (await res.json()) as { status: string } }
        }
        assert.deepEqual((await poll(C)).body, { status: 'pending' })

        const profile = makeProfile('WebVisitor')
        const body = JSON.stringify({ type: 'authenticateExternal', url, time: Date.now(), userProfile: profile })
        const post = (node: ClusterNode) =>
            fetch(`${node.url}${new URL(url).pathname}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', 'sonolus-signature': signBody(cluster.keys, body) },
                body,
            })
        const signed = await post(B)
        assert.equal(signed.status, 200, await signed.text())
        assert.equal((await post(A)).status, 401, 'the same body again, through another node')

        const done = await poll(C)
        assert.deepEqual(done.body, { status: 'done' })
        const session = cookieOf(done.res, 'ensemble_session')
        assert.ok(session)
        assert.deepEqual((await poll(A)).body, { status: 'expired' }, 'handed over once, whichever node is asked')
        for (const node of cluster.nodes) {
            const me = (await (await fetch(`${node.url}/web/me`, { headers: { cookie: session } })).json()) as { user: { id: string } | null }
            assert.equal(me.user?.id, profile.id, `signed in on ${node.name}`)
        }
    },
)

test('a server-wide ban through one node holds on every node at once, and so does lifting it', { timeout: 30_000 }, async () => {
    const [A, B, C] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
    const player = await signIn(A, 'Banned')
    /** The status of a sign-in through `node` (200, or the refusal's). Bodies are signed at distinct times: the same body twice is a replay. */
    const signInStatus = async (node: ClusterNode) => {
        await sleep(2)
        return cluster
            .http(node)
            .signIn(player.profile)
            .then(
                () => 200,
                (e: Error) => Number(/authenticate: (\d{3})/.exec(e.message)?.[1] ?? NaN),
            )
    }
    const banned = await admin(B, 'POST', '/bans', { user_id: player.profile.id, duration: '1h', reason: 'test' })
    assert.equal(banned.status, 201, banned.text)
    assert.equal(JSON.parse(banned.text).everywhere, true, 'every node was told')
    for (const node of cluster.nodes) assert.equal(await signInStatus(node), 401, `refused through ${node.name}`)
    const lifted = await admin(C, 'DELETE', `/bans/${player.profile.id}`, undefined)
    assert.equal(lifted.status, 204, lifted.text)
    for (const node of cluster.nodes) assert.equal(await signInStatus(node), 200, `signed in through ${node.name} at once`)
})

test(
    'REST chat posted on another node reaches the players on the owner; moderation through another node acts there',
    { timeout: 90_000 },
    async () => {
        const { room, owner, seats } = current()
        const [host, guest, third] = seats as [Seat, Seat, Seat]
        const [poster, moderator] = others(owner) as [ClusterNode, ClusterNode]

        // A bot watches the room's feed through a node that does not host it, another bot through the other.
        const watcher = await SseClient.open(`${moderator.url}/api/rooms/${room}/events`)
        const otherWatcher = await SseClient.open(`${poster.url}/api/rooms/${room}/events`)
        await sleep(500) // its node subscribes to the room's channel on Redis
        const posted = await api(poster, 'POST', `/rooms/${room}/chat`, { token: third.session, body: { text: 'hello from another node' } })
        assert.equal(posted.status, 201, posted.text)
        assert.equal(posted.body.delivered, true)
        for (const seat of seats) {
            const line = await sees(seat, 'hello from another node')
            assert.equal(line.message.userId, third.profile.id, 'a player in the game writes as themselves')
        }
        // Stored once, readable through any node.
        const history = await api(moderator, 'GET', `/rooms/${room}/chat`, { token: guest.session })
        assert.equal(history.status, 200, history.text)
        assert.equal(history.body.messages.filter((m: { value: string }) => m.value === 'hello from another node').length, 1)

        // A moderator deletes the line through the third node: the watcher is told once, by the id it saw.
        const seen = await watcher.next((data: { type: string; value?: string }) => data.type === 'chat' && data.value === 'hello from another node')
        const stored = history.body.messages.find((m: { value: string }) => m.value === 'hello from another node')
        const deleted = await admin(poster, 'DELETE', `/chat/${stored.id}`, undefined)
        assert.equal(deleted.status, 200, deleted.text)
        const told = await watcher.next((data: { type: string }) => data.type === 'chat_deleted', 5000)
        assert.equal(told.data.event_id, seen.id, 'chat_deleted names the entry the watcher saw')
        await sleep(500)
        assert.equal(watcher.events.filter((e) => e.data.type === 'chat_deleted').length, 1, 'told once')

        // The first bot drops and resumes through the other node, which relays the room too: it gets what
        // it missed, without a resync (entries keep the ids the owner gave them on every node).
        const line = (text: string) => (data: { type: string; value?: string }) => data.type === 'chat' && data.value === text
        assert.equal((await api(poster, 'POST', `/rooms/${room}/chat`, { token: guest.session, body: { text: 'before the drop' } })).status, 201)
        const last = await watcher.next(line('before the drop'), 5000)
        watcher.close()
        assert.equal((await api(poster, 'POST', `/rooms/${room}/chat`, { token: host.session, body: { text: 'while away' } })).status, 201)
        await otherWatcher.next(line('while away'), 5000)
        const resumed = await SseClient.open(`${poster.url}/api/rooms/${room}/events`, { 'last-event-id': last.id! })
        const first = await resumed.next(() => true, 5000)
        assert.deepEqual([first.data.type, first.data.value], ['chat', 'while away'], 'resumed where it left off')
        resumed.close()
        // ...and through its first node, which stopped relaying the room when it left: that node asks the
        // room's node for what it missed.
        const back = await SseClient.open(`${moderator.url}/api/rooms/${room}/events`, { 'last-event-id': last.id! })
        const missed = await back.next(() => true, 5000)
        assert.deepEqual([missed.data.type, missed.data.value], ['chat', 'while away'], "from what the room's node kept")
        assert.equal((await api(poster, 'POST', `/rooms/${room}/chat`, { token: guest.session, body: { text: 'live again' } })).status, 201)
        await back.next(line('live again'), 5000)
        assert.deepEqual(
            back.events.map((e) => e.data.value ?? e.data.type),
            ['while away', 'live again'],
            'each once, in order, no resync',
        )
        back.close()
        otherWatcher.close()

        // Every node reads the room and its bans for a join (and keeps them for a second).
        const prober = await signIn(poster, 'Prober')
        for (const node of cluster.nodes) assert.equal(await joinAs(node, room, prober), 200, `a join through ${node.name}`)
        // Kick through another node: the player's socket on the owner closes with 4001, and they stay out.
        const kicked = await admin(moderator, 'POST', `/rooms/${room}/kick`, { user_id: third.profile.id, reason: 'cluster test' })
        assert.equal(kicked.status, 200, kicked.text)
        assert.equal((await third.client.closed).code, 4001)
        await waitUsers([host, guest], 2)
        // They stay out through every node, at once: the owner tells the others of the ban as soon as it is
        // written, and they drop the bans their join cache read a moment ago.
        await sleep(200)
        for (const node of cluster.nodes) assert.equal(await joinAs(node, room, third), 403, `kicked player refused through ${node.name}`)
        current().seats = [host, guest]

        // Placement: a new room goes to a node with fewer players than the owner (which has two), even when
        // created through the owner. Loads travel with the heartbeats (every second): let two go by.
        await sleep(2500)
        const other = await hostRoom(owner, 'Closer')
        assert.notEqual(other.owner, owner, 'a room created through the busiest node is placed on a less loaded one')

        // Close through another node: that room's players are told and disconnected with 4005; it leaves every
        // list, and bots watching its feed through the nodes that do not host it are told once.
        const closedBy = others(other.owner).find((n) => n !== owner) ?? others(other.owner)[0]!
        const watchers = await Promise.all(others(other.owner).map((node) => SseClient.open(`${node.url}/api/rooms/${other.room}/events`)))
        await sleep(500) // their nodes subscribe to the room's channel on Redis
        const closed = await admin(closedBy, 'POST', `/rooms/${other.room}/close`, { reason: 'cluster test' })
        assert.equal(closed.status, 200, closed.text)
        assert.equal((await other.host.client.closed).code, 4005)
        for (const [i, watcher] of watchers.entries()) {
            await watcher.next((data: { type: string }) => data.type === 'closed', 5000)
            await sleep(i ? 0 : 500)
            assert.equal(watcher.events.filter((e) => e.data.type === 'closed').length, 1, `one 'closed' on ${others(other.owner)[i]!.name}`)
            watcher.close()
        }
        for (const node of cluster.nodes) await eventually(`${other.room} gone from ${node.name}`, async () => !(await listed(node, other.room)))
    },
)

test(
    'Redis killed and restarted empty: no node crashes, /readyz names Redis while it is down, live rooms keep playing, cross-node work resumes',
    { timeout: 90_000 },
    async () => {
        const { room, owner, seats } = current()
        const [host, guest] = seats as [Seat, Seat]
        const poster = others(owner)[0]!

        await cluster.redis.kill()
        for (const node of cluster.nodes) {
            const down = await eventually(`${node.name} /readyz 503 naming Redis`, async () => {
                const r = await readyz(node)
                return r.status === 503 && r.body
            })
            assert.match(down.reason ?? '', /redis/i, `${node.name}: ${JSON.stringify(down)}`)
        }

        // The room lives on its node: chat over the WebSocket goes on.
        host.client.send({
            type: 'addChatMessage',
            nonce: 901,
            message: { userId: host.profile.id, type: 'text', value: 'still here without redis' },
        })
        await sees(guest, 'still here without redis')
        await host.client.next((e) => e.type === 'addChatMessage' && e.nonce === 901, 'the echo of the line')

        // Cross-node work is refused with a clear error.
        const refused = await api(poster, 'POST', `/rooms/${room}/chat`, { token: guest.session, body: { text: 'through a dead redis' } })
        assert.equal(refused.status, 503, refused.text)
        assert.equal(typeof refused.body.error, 'string')
        assert.match(refused.body.error, /unavailable|redis|cluster|try again/i)

        for (const node of cluster.nodes) {
            assert.ok(node.running(), `${node.name} still running:\n${node.output()}`)
            assert.equal((await fetch(`${node.url}/healthz`)).status, 200, `${node.name} /healthz`)
        }

        await cluster.redis.start()
        for (const node of cluster.nodes) await eventually(`${node.name} /readyz 200 again`, async () => (await readyz(node)).status === 200, 15_000)
        // The nodes publish again what the empty Redis lost, and cross-node work goes through. A node that
        // resynced before the owner republished (and before it saw the owner beat again) catches up at its
        // next periodic resync (every 5 s): up to ~6 s after /readyz, longer on a loaded CI machine.
        for (const node of cluster.nodes) await listedAgain(node, room, 20_000)
        const posted = await eventually('REST chat through another node again', async () => {
            const res = await api(poster, 'POST', `/rooms/${room}/chat`, { token: guest.session, body: { text: 'redis is back' } })
            return res.status === 201 && res
        })
        assert.equal(posted.body.delivered, true)
        await sees(host, 'redis is back')
    },
)

test(
    'a node stalled past the node ttl (SIGSTOP): the others close its room; running again, it closes the room live and tells its players why',
    { timeout: 60_000 },
    async () => {
        const { owner: mainOwner } = current() // the next scenarios need that room: this one uses a room of its own elsewhere
        let stalled: Awaited<ReturnType<typeof hostRoom>> | undefined
        for (let i = 0; i < 3 && !stalled; i++) {
            const hosted = await hostRoom(others(mainOwner)[i % 2]!, `Stalled${i}`)
            if (hosted.owner !== mainOwner) stalled = hosted
        }
        assert.ok(stalled, "a room placed on a node other than the main room's")
        const { room, host, owner } = stalled
        const survivors = others(owner)
        const watcher = await SseClient.open(`${survivors[0]!.url}/api/rooms/${room}/events`)
        const ownWatcher = await SseClient.open(`${owner.url}/api/rooms/${room}/events`)
        await sleep(500) // its node subscribes to the room's channel on Redis

        owner.kill('SIGSTOP')
        try {
            for (const node of survivors) await eventually(`${room} gone from ${node.name}'s list`, async () => !(await listed(node, room)), 15_000)
            await watcher.next((data: { type: string }) => data.type === 'closed', 5000)
        } finally {
            owner.kill('SIGCONT')
        }

        // Running again, its heartbeat finds it was taken for dead: the room closes live, its players told why.
        const closed = await Promise.race([host.client.closed, sleep(10_000).then(() => undefined)])
        assert.equal(closed?.code, 4005, `the player's socket closed with 4005 (room closed), not ${JSON.stringify(closed)}`)
        const notices = host.client.all('addChatMessage').filter((e) => e.message.userId === null)
        assert.ok(
            notices.some((e) => /lost touch/.test(String(e.message.value))),
            `the player read why: ${JSON.stringify(notices.map((e) => e.message.value))}`,
        )
        await ownWatcher.next((data: { type: string }) => data.type === 'closed', 5000)
        await sleep(500)
        for (const [where, feed] of [
            [survivors[0]!.name, watcher],
            [owner.name, ownWatcher],
        ] as const) {
            assert.equal(feed.events.filter((e) => e.data.type === 'closed').length, 1, `the feed through ${where} told of the close once`)
            feed.close()
        }
        await eventually(`${owner.name} ready again`, async () => (await readyz(owner)).status === 200)
        const prober = await signIn(survivors[0]!, 'Prober after the stall')
        for (const node of cluster.nodes) {
            assert.equal(await listed(node, room), false, `${room} listed on ${node.name}`)
            assert.equal(await joinAs(node, room, prober), 404, `join through ${node.name}`)
        }
    },
)

test(
    'kill -9 of the node hosting a room: it leaves every list within 10 s, acknowledged rows are stored, the others keep serving',
    { timeout: 90_000 },
    async () => {
        const { room, owner, seats } = current()
        const [host, guest] = seats as [Seat, Seat]
        const survivors = others(owner)
        // A bot on each survivor watches the room's feed: whichever survivor's sweep closes the dead
        // node's room, both are told, once.
        const watchers = await Promise.all(survivors.map((node) => SseClient.open(`${node.url}/api/rooms/${room}/events`)))
        await sleep(500) // their nodes subscribe to the room's channel on Redis

        // Acknowledged before the kill: chat lines (their echo), a round's results (each finisher's own result
        // back), sign-ins through the owner (their answer).
        const lines: string[] = []
        for (const [i, seat] of seats.entries()) {
            const value = `acknowledged line ${i}`
            seat.client.send({ type: 'addChatMessage', nonce: 100 + i, message: { userId: seat.profile.id, type: 'text', value } })
            await seat.client.next((e) => e.type === 'addChatMessage' && e.nonce === 100 + i, 'echo')
            lines.push(value)
        }
        const scores = await playRound(seats)
        const signedIn = await Promise.all([0, 1, 2].map((i) => signIn(owner, `Late${i}`)))

        owner.kill('SIGKILL')
        const killedAt = Date.now()
        await owner.exited
        for (const seat of seats) assert.notEqual((await seat.client.closed).code, 1000)

        await eventually(
            `${room} gone from every survivor's lists`,
            async () => {
                for (const node of survivors) if ((await listed(node, room)) || (await apiListed(node, room))) return false
                return true
            },
            10_000,
        )
        const gone = Date.now() - killedAt
        assert.ok(gone <= 10_000, `the dead node's room left the lists after ${gone} ms`)
        for (const [i, watcher] of watchers.entries()) {
            await watcher.next((data: { type: string }) => data.type === 'closed', 10_000)
            await sleep(i ? 0 : 1000) // a second 'closed' would have come by now
            const closed = watcher.events.filter((e) => e.data.type === 'closed').length
            assert.equal(closed, 1, `the feed on ${survivors[i]!.name} told of the close ${closed} times`)
            watcher.close()
        }
        console.log(`# kill -9: the dead node's room left every list after ${gone} ms`)
        const prober = await signIn(survivors[0]!, 'Prober')
        for (const node of survivors) assert.equal(await joinAs(node, room, prober), 404, `join through ${node.name}`)

        // Nothing acknowledged is lost: read back through the survivors (PostgreSQL).
        const [first, second] = survivors as [ClusterNode, ClusterNode]
        const chat = await api(first, 'GET', `/rooms/${room}/chat?limit=100`, { token: guest.session })
        assert.equal(chat.status, 200, chat.text)
        for (const line of lines)
            assert.ok(
                chat.body.messages.some((m: { value: string }) => m.value === line),
                `chat line "${line}" stored`,
            )
        const results = await api(second, 'GET', `/rooms/${room}/results`, { token: host.session })
        assert.equal(results.status, 200, results.text)
        const stored = new Set((results.body.results as { result: { arcadeScore: number } }[]).map((r) => r.result.arcadeScore))
        for (const score of scores) assert.ok(stored.has(score), `result ${score} stored (${results.text.slice(0, 300)})`)
        for (const [i, player] of signedIn.entries()) {
            const node = survivors[i % survivors.length]!
            const res = await api(node, 'GET', '/tokens', { token: player.session })
            assert.equal(res.status, 200, `a session signed in through the killed node works on ${node.name}: ${res.text}`)
        }

        // The survivors serve: the dead room's players create and join rooms elsewhere at once.
        const fresh = await cluster.http(first).createRoom(host.session)
        const again = await enter(first, fresh.name, host, fresh.key)
        const newOwner = cluster.ownerOf(again.answer.url)
        assert.ok(newOwner && survivors.includes(newOwner), `the new room is on a live node (${again.answer.url})`)
        const rejoined = await enter(second, fresh.name, guest)
        assert.equal(rejoined.answer.url, again.answer.url)
        await waitUsers([again, rejoined], 2)
        main = { room: fresh.name, owner: newOwner, seats: [again, rejoined] }
    },
)

/** One round: the host picks a level, both ready, the host starts, each finishes; their scores. */
async function playRound(seats: Seat[]): Promise<number[]> {
    const [host] = seats as [Seat]
    const all = seats.map((s) => s.client)
    const every = (what: string, check: (c: WireClient) => boolean) =>
        eventually(what, async () => {
            for (const c of all) if (c.problem) throw c.problem
            return all.every(check)
        })
    host.client.send({ type: 'updateLevel', level: wireLevel('cluster-level') })
    await every('level', (c) => c.model.level?.name === 'cluster-level')
    host.client.send({ type: 'updateStatus', status: 'preparing' })
    await every('preparing', (c) => c.model.status === 'preparing')
    for (const s of seats) s.client.send({ type: 'updateUserStatus', status: 'ready' })
    await every('ready', (c) => [...c.model.statuses.values()].every((v) => v === 'ready'))
    host.client.send({ type: 'updateStatus', status: 'playing' })
    const starts = await Promise.all(all.map((c) => c.nextOf('startRound')))
    const state = starts[0]!.state as string
    const scores: number[] = []
    for (const [i, s] of seats.entries()) {
        s.client.send({ type: 'startGameplay', state, level: wireLevelItem('cluster-level', 'Cluster') })
        s.client.model.startGameplay()
        const score = 700_000 + i
        s.client.send({ type: 'finishGameplay', state, result: gameplayResult(score) })
        s.client.model.finishGameplay()
        await s.client.next((e) => e.type === 'update' && JSON.stringify(e.results ?? []).includes(`"arcadeScore":${score}`), 'own result back')
        scores.push(score)
    }
    await every('round over', (c) => c.model.status === 'selecting')
    return scores
}

test(
    'SIGTERM of a node hosting a room: its players are told and closed with 1001, no new room is placed on it, it exits 0',
    { timeout: 90_000 },
    async () => {
        const { owner, seats } = current()
        const remaining = others(owner)
        assert.equal(remaining.length, 1)
        const [other] = remaining as [ClusterNode]

        const from = seats.map((s) => s.client.events.length)
        owner.kill('SIGTERM')
        for (const [i, seat] of seats.entries()) {
            assert.equal((await seat.client.closed).code, 1001)
            const line = seat.client.events.slice(from[i]).find((e) => e.type === 'addChatMessage' && e.message.userId === null)
            assert.ok(line, `${seat.profile.name} was told in chat before the close`)
        }

        // Draining (or gone): a room created now goes to the other node.
        const { owner: placed } = await hostRoom(other, 'AfterDrain')
        assert.equal(placed, other)
        assert.equal(await owner.exited, 0)
    },
)
