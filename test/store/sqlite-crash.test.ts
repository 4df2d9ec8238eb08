// kill -9 of the real server on SQLite, mid-round: `node dist/src/main.js` on a temp data directory,
// rooms playing rounds over real WebSockets (results), chat lines and reports in them, sign-ins and joins
// over HTTP beside. Every write a client saw acknowledged is there after a restart on the same data:
// sessions still sign requests in, join sessions are stored, chat lines, results and reports read back
// through the REST API. The rooms that were live come back closed: not listed, joins refused, their
// history readable.
// Acknowledged means: a sign-in's or join's 200 answer; for a chat line its echo to the sender (nonce);
// for a result the finisher's fresh UpdateEvent holding it; for a report the reporter's "report was
// received" line.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Database from 'better-sqlite3'
import { hashToken } from '../../src/auth/tokens.js'
import { roomUserReader, WireClient, type WireEvent } from '../wire/raw-client.js'
import { startServerProcess, type ServerProcess } from '../wire/server-process.js'
import { gameplayResult, wireLevel, wireLevelItem } from '../wire/items.js'
import { makeKeys, makeProfile, SonolusHttp, type Profile } from '../wire/sonolus-http.js'

const keys = makeKeys()
const adminToken = 'crash-test-admin-token-0123456789'
const rooms = 3
const trafficMs = 4000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

let dataDir: string
after(async () => void (dataDir && (await rm(dataDir, { recursive: true, force: true }))))

const levelItem = wireLevelItem('crash-level', 'Crash')

type Acks = {
    sessions: string[]
    joins: string[]
    chat: Map<string, Set<string>>
    results: Map<string, Set<number>>
    reports: Map<string, number>
}

/** Polls until `check` returns something (a client's problem fails it; so does a closed socket). */
async function waitFor<T>(clients: WireClient[], what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
        for (const c of clients) if (c.problem) throw c.problem
        const value = check()
        if (value !== undefined && value !== false) return value
        for (const c of clients) if (c.closedWith) throw new Error(`${what}: ${c.name}'s socket closed`)
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
        await sleep(5)
    }
}

const since = (client: WireClient, from: number, predicate: (e: WireEvent) => boolean) => client.events.slice(from).find(predicate)

type Seat = { profile: Profile; session: string; client: WireClient; playing: boolean }

async function openRoom(http: SonolusHttp, address: string, index: number): Promise<{ name: string; seats: Seat[] }> {
    const profiles = ['Host', 'Guest', 'Third'].map((n) => makeProfile(`${n}${index}`))
    const sessions = await Promise.all(profiles.map((p) => http.signIn(p)))
    const { name, key } = await http.createRoom(sessions[0]!)
    const read = roomUserReader(keys.publicJwk, address, name)
    const seats: Seat[] = []
    for (const [i, profile] of profiles.entries()) {
        const answer = await http.joinRoom(name, profile, { session: sessions[i]!, ...(i === 0 ? { key } : {}) })
        const client = await WireClient.connect(`${profile.name}`, answer, profile.id, read)
        await client.nextOf('update')
        seats.push({ profile, session: sessions[i]!, client, playing: false })
    }
    await waitFor(
        seats.map((s) => s.client),
        'three players',
        () => seats.every((s) => s.client.model.users.length === 3),
    )
    return { name, seats }
}

/** Rounds back to back until `stopped()`; results acknowledged into `acks`. */
async function playRounds(name: string, seats: Seat[], acks: Acks, stopped: () => boolean, scores: { next: number }): Promise<void> {
    const clients = seats.map((s) => s.client)
    const [host] = seats as [Seat, ...Seat[]]
    host.client.send({ type: 'updateLevel', level: wireLevel('crash-level') })
    await waitFor(clients, 'level', () => clients.every((c) => c.model.level?.name === 'crash-level'))
    while (!stopped()) {
        host.client.send({ type: 'updateStatus', status: 'preparing' })
        await waitFor(clients, 'preparing', () => clients.every((c) => c.model.status === 'preparing'))
        for (const s of seats) s.client.send({ type: 'updateUserStatus', status: 'ready' })
        await waitFor(clients, 'ready', () => clients.every((c) => [...c.model.statuses.values()].every((v) => v === 'ready')))
        const from = seats.map((s) => s.client.events.length)
        host.client.send({ type: 'updateStatus', status: 'playing' })
        const starts = await waitFor(clients, 'startRound', () => {
            const found = seats.map((s, i) => since(s.client, from[i]!, (e) => e.type === 'startRound'))
            return found.every(Boolean) ? found : undefined
        })
        const state = starts[0]!.state as string
        for (const s of seats) {
            s.playing = true
            s.client.send({ type: 'startGameplay', state, level: levelItem })
            s.client.model.startGameplay()
        }
        for (const s of seats) {
            await sleep(150)
            const score = ++scores.next
            const at = s.client.events.length
            s.client.send({ type: 'finishGameplay', state, result: gameplayResult(score) })
            s.client.model.finishGameplay()
            await waitFor(clients, 'own result back', () =>
                since(s.client, at, (e) => e.type === 'update' && JSON.stringify(e.results ?? []).includes(`"arcadeScore":${score}`)),
            )
            acks.results.get(name)!.add(score)
            s.playing = false
        }
        await waitFor(clients, 'round over', () => clients.every((c) => c.model.status === 'selecting'))
    }
}

/** Chat lines from each player not in gameplay, under the in-game rate limit; the third one reports the second now and then. */
async function chatAndReport(name: string, seats: Seat[], acks: Acks, stopped: () => boolean): Promise<void> {
    let nonce = 0
    const lines = async (seat: Seat, reporter: boolean) => {
        let reports = 0
        while (!stopped()) {
            if (seat.playing) {
                await sleep(50)
                continue
            }
            if (reporter && reports < 2) {
                reports++
                const at = seat.client.events.length
                seat.client.send({ type: 'reportUser', userId: seats[1]!.profile.id, optionValues: '' })
                void waitFor(
                    [seat.client],
                    'report received',
                    () =>
                        since(
                            seat.client,
                            at,
                            (e) => e.type === 'addChatMessage' && e.message.userId === null && /report was received/.test(e.message.value),
                        ),
                    60_000,
                )
                    .then(() => acks.reports.set(name, (acks.reports.get(name) ?? 0) + 1))
                    .catch(() => {})
            }
            const n = ++nonce
            const value = `${seat.profile.name} line ${n}`
            const at = seat.client.events.length
            seat.client.send({ type: 'addChatMessage', nonce: n, message: { userId: seat.profile.id, type: 'text', value } })
            // Acknowledged whenever the echo arrives (it may arrive after the kill: then it was written).
            void waitFor([seat.client], 'echo', () => since(seat.client, at, (e) => e.type === 'addChatMessage' && e.nonce === n), 60_000)
                .then(() => acks.chat.get(name)!.add(value))
                .catch(() => {})
            await sleep(1100)
        }
    }
    await Promise.all(seats.map((s, i) => lines(s, i === 2)))
}

/** Sign-ins and joins over HTTP as fast as one client at a time goes; joins are answered, never used. */
async function signInsAndJoins(http: SonolusHttp, roomNames: string[], acks: Acks, stopped: () => boolean): Promise<void> {
    let i = 0
    while (!stopped()) {
        const profile = makeProfile(`Walker${i}`)
        try {
            const session = await http.signIn(profile)
            acks.sessions.push(session)
            const answer = await http.joinRoom(roomNames[i++ % roomNames.length]!, profile, { session })
            acks.joins.push(answer.session)
        } catch {
            return // the server died under the request: not acknowledged
        }
    }
}

test('kill -9 mid-round on SQLite: every acknowledged write is there after a restart, live rooms come back closed', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ensemble-crash-'))
    const env = { ENSEMBLE_ADMIN_TOKEN: adminToken }
    const first: ServerProcess = await startServerProcess(keys.publicJwk, env, { dataDir })
    const http = new SonolusHttp(first.address, keys)
    const acks: Acks = { sessions: [], joins: [], chat: new Map(), results: new Map(), reports: new Map() }
    const opened = await Promise.all(Array.from({ length: rooms }, (_, i) => openRoom(http, first.address, i)))
    for (const { name } of opened) {
        acks.chat.set(name, new Set())
        acks.results.set(name, new Set())
    }

    let killed = false
    const stopped = () => killed
    const scores = { next: 0 }
    let roomFailed: Error | undefined
    const traffic = [
        ...opened.map(({ name, seats }) =>
            playRounds(name, seats, acks, stopped, scores).catch(
                (e) => void (killed || (roomFailed ??= e instanceof Error ? e : new Error(String(e)))),
            ),
        ),
        ...opened.map(({ name, seats }) => chatAndReport(name, seats, acks, stopped)),
        signInsAndJoins(
            http,
            opened.map((r) => r.name),
            acks,
            stopped,
        ),
        signInsAndJoins(
            http,
            opened.map((r) => r.name),
            acks,
            stopped,
        ),
    ]
    // Mid-round: once traffic ran a while and a room is playing (a result is in, another is not).
    const started = Date.now()
    await waitFor(
        [],
        'a room mid-round',
        () => {
            if (roomFailed) throw roomFailed
            return Date.now() - started > trafficMs && opened.some(({ seats }) => seats.some((s) => s.playing) && seats.some((s) => !s.playing))
        },
        60_000,
    )
    first.kill('SIGKILL')
    killed = true
    await first.exited
    await Promise.allSettled(traffic)
    await Promise.all(opened.flatMap(({ seats }) => seats.map((s) => s.client.closed)))
    await sleep(50) // echoes and answers that were already in flight are counted above

    const count = {
        sessions: acks.sessions.length,
        joins: acks.joins.length,
        chat: [...acks.chat.values()].reduce((n, s) => n + s.size, 0),
        results: [...acks.results.values()].reduce((n, s) => n + s.size, 0),
        reports: [...acks.reports.values()].reduce((n, r) => n + r, 0),
    }
    console.log(`acknowledged before kill -9: ${JSON.stringify(count)}`)
    assert.ok(
        count.sessions >= 10 && count.joins >= 10 && count.chat >= 10 && count.results >= rooms && count.reports >= 1,
        `traffic of every kind: ${JSON.stringify(count)}`,
    )

    // Restart on the same data (the kill left the lock file; the kernel released the lock).
    const second = await startServerProcess(keys.publicJwk, env, { dataDir })
    try {
        const api = async (path: string, token: string) => {
            const res = await fetch(`${second.address}/api${path}`, { headers: { authorization: `Bearer ${token}` } })
            return { status: res.status, body: (await res.json()) as any }
        }
        const anyone = acks.sessions[0]!
        // Sign-ins: each session still signs requests in.
        for (const session of acks.sessions)
            assert.equal((await api('/tokens', session)).status, 200, 'an acknowledged session works after the restart')

        for (const { name } of opened) {
            // The room is closed, its history kept.
            const room = await api(`/rooms/${name}`, anyone)
            assert.equal(room.status, 200)
            assert.equal(room.body.closed, true, `room ${name} was live and must come back closed`)
            const chat = new Set<string>()
            for (let before: number | null | undefined; before !== null;) {
                const page = await api(`/rooms/${name}/chat?limit=100${before ? `&before=${before}` : ''}`, anyone)
                for (const m of page.body.messages) chat.add(m.value)
                before = page.body.next_before
            }
            for (const line of acks.chat.get(name)!) assert.ok(chat.has(line), `acknowledged chat line "${line}" is missing`)
            const results = await api(`/rooms/${name}/results?limit=500`, anyone)
            const stored = new Set(results.body.results.map((r: { result: { arcadeScore: number } }) => r.result.arcadeScore))
            for (const score of acks.results.get(name)!) assert.ok(stored.has(score), `acknowledged result ${score} in ${name} is missing`)
        }
        const reports = await api('/admin/reports?status=all&limit=200', adminToken)
        assert.equal(reports.status, 200)
        for (const { name, seats } of opened) {
            const here = reports.body.reports.filter(
                (r: any) => r.room_name === name && r.reporter_id === seats[2]!.profile.id && r.target_id === seats[1]!.profile.id,
            )
            assert.ok(
                here.length >= (acks.reports.get(name) ?? 0),
                `acknowledged reports in ${name}: ${acks.reports.get(name)}, stored ${here.length}`,
            )
        }

        // Not offered: neither in the app's list nor the API's, and a join is refused.
        const http2 = new SonolusHttp(second.address, keys)
        const list = await http2.request('GET', '/sonolus/rooms/list', { headers: { 'sonolus-session': anyone } })
        const listedNames = new Set(list.body.items.map((item: { name: string }) => item.name))
        const apiList = await api('/rooms', anyone)
        for (const { name, seats } of opened) {
            assert.equal(listedNames.has(name), false, `closed room ${name} is listed in the app`)
            assert.equal(
                apiList.body.rooms.some((r: { name: string }) => r.name === name),
                false,
                `closed room ${name} is listed in the API`,
            )
            await assert.rejects(http2.joinRoom(name, seats[0]!.profile, { session: seats[0]!.session }), /: 404 /)
        }
    } finally {
        assert.equal(await second.stop(), 0, second.output())
    }

    // Joins: each acknowledged join session is stored (read from the file once the server stopped).
    const db = new Database(join(dataDir, 'ensemble.sqlite'), { readonly: true })
    try {
        const has = db.prepare('SELECT 1 FROM join_sessions WHERE token_hash = ?')
        for (const token of acks.joins) assert.ok(has.get(hashToken(token)), 'an acknowledged join session is missing')
    } finally {
        db.close()
    }
})
