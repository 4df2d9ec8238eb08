// Wrong-password limits under concurrency: hundreds of simultaneous private searches, from one player
// and from many players at one room, check at most the configured number of passwords. The KDF is the
// real scrypt, wrapped to count its calls; everything else is the real server over HTTP.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { t } from '../../src/i18n.js'
import { scryptHasher, type PasswordHasher } from '../../src/rooms/passwords.js'
import { startTestServer, type TestResponse, type TestServer } from '../helpers/server.js'
import { createAndJoin, joinRoom, signedAuthenticate, type SignedIn } from '../helpers/sonolus.js'

/** scrypt (cheap cost) counting its verify calls and the most that ran at once; `hold` delays each check. */
function countingHasher(hold?: Promise<void>) {
    const real = scryptHasher(1024)
    const stats = { verifies: 0, running: 0, maxRunning: 0 }
    const hasher: PasswordHasher = {
        hash: real.hash,
        async verify(password, stored) {
            stats.verifies++
            stats.maxRunning = Math.max(stats.maxRunning, ++stats.running)
            try {
                await hold
                return await real.verify(password, stored)
            } finally {
                stats.running--
            }
        },
    }
    return { hasher, stats }
}

const privateSearch = (server: TestServer, session: string, room: string, password: string) =>
    server.request('GET', '/sonolus/rooms/list', { headers: { 'sonolus-session': session }, query: { type: 'private', room, password } })

const byStatus = (answers: TestResponse[]) => {
    const counts = new Map<number, number>()
    for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1)
    return counts
}

/** Every refusal is a localized ServerMessage; a too-many-attempts one says when to come back. */
function assertRefusals(answers: TestResponse[], windowMs: number) {
    const known = new Set([t('en', 'wrongPassword'), t('en', 'tooManyAttempts'), t('en', 'passwordCheckPending'), t('en', 'passwordChecksBusy')])
    for (const a of answers) {
        assert.ok(a.status === 403 || a.status === 429, `status ${a.status}: ${a.text}`)
        assert.ok(known.has(a.body?.message), a.text)
        if (a.body.message === t('en', 'tooManyAttempts')) {
            const retryAfter = Number(a.headers.get('retry-after'))
            assert.ok(retryAfter >= 1 && retryAfter <= Math.ceil(windowMs / 1000), `Retry-After ${a.headers.get('retry-after')}`)
        } else assert.equal(a.headers.get('retry-after'), null)
        if (a.status === 403) assert.equal(a.body.message, t('en', 'wrongPassword'))
    }
}

describe('one player, hundreds of simultaneous wrong guesses', () => {
    const { hasher, stats } = countingHasher()
    let server: TestServer
    let room: { name: string }
    let guesser: SignedIn
    before(async () => {
        server = await startTestServer({ config: { passwordAttemptsPerUser: 5, passwordAttemptsPerRoom: 1000 }, passwords: hasher })
        room = await createAndJoin(server, { params: { password: 'right one' } })
        guesser = await signedAuthenticate(server)
    })
    after(() => server.close())

    test('300 at once check at most the per-player limit; every check is a 403, the rest 429', async () => {
        const limit = server.config.passwordAttemptsPerUser
        const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => privateSearch(server, guesser.session, room.name, `guess ${i}`)))
        const counts = byStatus(answers)
        assert.ok((counts.get(403) ?? 0) <= limit, `${counts.get(403)} wrong passwords answered (checked), limit ${limit}`)
        assertRefusals(answers, server.config.passwordAttemptWindowMs)
        assert.ok(stats.verifies >= 1 && stats.verifies <= limit, `${stats.verifies} passwords checked, limit ${limit}`)
        assert.equal(counts.get(403) ?? 0, stats.verifies, 'each check answered 403, nothing else was checked')
        assert.equal(counts.get(429), 300 - stats.verifies)
        assert.equal(stats.maxRunning, 1, 'one pending check per player')
    })

    test('attempts refused unchecked were refunded: the player has exactly the limit in all', async () => {
        const limit = server.config.passwordAttemptsPerUser
        let wrong = stats.verifies
        while (wrong < limit) {
            const res = await privateSearch(server, guesser.session, room.name, `later ${wrong}`)
            assert.equal(res.status, 403, res.text)
            wrong++
        }
        const limited = await privateSearch(server, guesser.session, room.name, 'right one')
        assert.equal(limited.status, 429, 'the limit holds, even for the right password')
        assert.equal(limited.body.message, t('en', 'tooManyAttempts'))
        assert.equal(stats.verifies, limit)
    })

    test('the window expires', async () => {
        server.clock.advance(server.config.passwordAttemptWindowMs + 1)
        const res = await privateSearch(server, guesser.session, room.name, 'right one')
        assert.equal(res.status, 200, res.text)
        assert.deepEqual(
            res.body.items.map((i: { name: string }) => i.name),
            [room.name],
        )
    })

    test('a right password is refunded: it never uses up an attempt', async () => {
        const player = await signedAuthenticate(server)
        const limit = server.config.passwordAttemptsPerUser
        for (let i = 0; i < limit - 1; i++) assert.equal((await privateSearch(server, player.session, room.name, `miss ${i}`)).status, 403)
        for (let i = 0; i < 3; i++) assert.equal((await privateSearch(server, player.session, room.name, 'right one')).status, 200)
        assert.equal((await privateSearch(server, player.session, room.name, 'last miss')).status, 403, 'the last attempt is still there')
        assert.equal((await privateSearch(server, player.session, room.name, 'right one')).status, 429)
    })
})

describe('many players, hundreds of simultaneous wrong guesses at one room', () => {
    const { hasher, stats } = countingHasher()
    let server: TestServer
    let room: { name: string }
    let players: SignedIn[]
    before(async () => {
        // A queue long enough that only the limits decide: 100 players, 3 guesses each, all at once.
        server = await startTestServer({
            config: { passwordAttemptsPerUser: 5, passwordAttemptsPerRoom: 10, passwordChecks: 2, passwordCheckQueue: 1000 },
            passwords: hasher,
        })
        room = await createAndJoin(server, { params: { password: 'right one' } })
        players = []
        for (let i = 0; i < 100; i++) players.push(await signedAuthenticate(server))
    })
    after(() => server.close())

    test('300 at once check at most the per-room limit, never more than the running slots at a time', async () => {
        const limit = server.config.passwordAttemptsPerRoom
        const answers = await Promise.all(
            players.flatMap((p, i) => [0, 1, 2].map((k) => privateSearch(server, p.session, room.name, `guess ${i}.${k}`))),
        )
        const checked = byStatus(answers).get(403) ?? 0
        assert.ok(checked <= limit, `${checked} wrong passwords answered (checked), limit ${limit}`)
        assertRefusals(answers, server.config.passwordAttemptWindowMs)
        assert.ok(stats.verifies >= 1 && stats.verifies <= limit, `${stats.verifies} passwords checked, limit ${limit}`)
        assert.equal(checked, stats.verifies)
        assert.ok(stats.maxRunning <= server.config.passwordChecks, `${stats.maxRunning} checks ran at once`)
    })

    test('the room then refuses everyone, even the right password, until the window passes', async () => {
        const limit = server.config.passwordAttemptsPerRoom
        for (let i = 0; stats.verifies < limit; i++) {
            assert.equal((await privateSearch(server, players[i % players.length]!.session, room.name, `more ${i}`)).status, 403)
        }
        const fresh = await signedAuthenticate(server)
        const limited = await privateSearch(server, fresh.session, room.name, 'right one')
        assert.equal(limited.status, 429)
        assert.equal(limited.body.message, t('en', 'tooManyAttempts'))
        assert.ok(Number(limited.headers.get('retry-after')) >= 1)
        assert.equal(stats.verifies, limit)
        server.clock.advance(server.config.passwordAttemptWindowMs + 1)
        assert.equal((await privateSearch(server, fresh.session, room.name, 'right one')).status, 200)
    })
})

describe('a server under attack bounds the checks waiting', () => {
    // Checks are held until every refusal is in, so the burst meets a full gate whatever the machine's speed.
    let release!: () => void
    const { hasher, stats } = countingHasher(new Promise((resolve) => (release = resolve)))
    let server: TestServer
    let room: { name: string }
    let players: SignedIn[]
    before(async () => {
        server = await startTestServer({
            config: { passwordAttemptsPerUser: 5, passwordAttemptsPerRoom: 1000, passwordChecks: 1, passwordCheckQueue: 3 },
            passwords: hasher,
        })
        room = await createAndJoin(server, { params: { password: 'right one' } })
        players = []
        for (let i = 0; i < 40; i++) players.push(await signedAuthenticate(server))
    })
    after(() => server.close())

    test('past the running slots and the queue, a check is refused at once (429, not counted)', async () => {
        const admitted = server.config.passwordChecks + server.config.passwordCheckQueue
        let settled = 0
        const pending = players.map((p, i) => privateSearch(server, p.session, room.name, `guess ${i}`).finally(() => settled++))
        while (settled < players.length - admitted) await new Promise((r) => setTimeout(r, 10))
        assert.deepEqual(server.app.directory.kdf.load, { running: 1, queued: 3 })
        release()
        const answers = await Promise.all(pending)
        assertRefusals(answers, server.config.passwordAttemptWindowMs)
        const busy = answers.filter((a) => a.body.message === t('en', 'passwordChecksBusy'))
        assert.equal(busy.length, players.length - admitted)
        for (const a of busy) assert.equal(a.status, 429)
        assert.equal(stats.verifies, admitted)
        assert.equal(stats.maxRunning, 1)
        assert.equal(byStatus(answers).get(403), admitted)
        // A refused check cost the player nothing: they still have every attempt.
        const refused = players[answers.findIndex((a) => a.body.message === t('en', 'passwordChecksBusy'))]!
        for (let i = 0; i < server.config.passwordAttemptsPerUser; i++) {
            assert.equal((await privateSearch(server, refused.session, room.name, `again ${i}`)).status, 403)
        }
        assert.equal((await privateSearch(server, refused.session, room.name, 'again')).status, 429)
    })
})

describe('checkRoomPassword: the check for a join by room name, on the same limits', () => {
    const { hasher, stats } = countingHasher()
    let server: TestServer
    let secret: { name: string }
    let open: { name: string }
    before(async () => {
        server = await startTestServer({ config: { passwordAttemptsPerUser: 5, passwordAttemptsPerRoom: 1000 }, passwords: hasher })
        secret = await createAndJoin(server, { params: { password: 'right one' } })
        open = await createAndJoin(server)
    })
    after(() => server.close())
    const check = (userId: string, room: string, password: string) =>
        server.app.directory.checkRoomPassword(userId, room, password, server.clock.now())

    test('public room: ok, nothing checked or counted; unknown room: roomNotFound, counted', async () => {
        for (let i = 0; i < 10; i++) assert.equal((await check('u-public', open.name, 'anything')).ok, true)
        assert.equal(stats.verifies, 0)
        for (let i = 0; i < server.config.passwordAttemptsPerUser; i++)
            assert.deepEqual(await check('u-miss', `nosuch${i}`, 'x'), { ok: false, reason: 'roomNotFound' })
        const limited = await check('u-miss', secret.name, 'right one')
        assert.equal(limited.ok || limited.reason, 'tooManyAttempts')
        assert.equal(stats.verifies, 0)
    })

    test('hundreds at once from one player check at most the limit; the private search shares it', async () => {
        const limit = server.config.passwordAttemptsPerUser
        const before = stats.verifies
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => check('u-burst', secret.name, `guess ${i}`)))
        const wrong = results.filter((r) => !r.ok && r.reason === 'wrongPassword').length
        assert.ok(wrong >= 1 && wrong <= limit, `${wrong} checked`)
        assert.equal(stats.verifies - before, wrong)
        for (const r of results)
            assert.ok(!r.ok && ['wrongPassword', 'tooManyAttempts', 'passwordCheckPending'].includes(r.reason), JSON.stringify(r))
        // The same player's private searches draw on the same attempts.
        const player = await signedAuthenticate(server)
        for (let i = 0; i < limit - 1; i++)
            assert.deepEqual(await check(player.profile.id, secret.name, `no ${i}`), { ok: false, reason: 'wrongPassword' })
        assert.equal((await privateSearch(server, player.session, secret.name, 'no again')).status, 403)
        const limited = await check(player.profile.id, secret.name, 'right one')
        assert.ok(!limited.ok && limited.reason === 'tooManyAttempts')
        assert.ok(limited.retryAfterMs > 0 && limited.retryAfterMs <= server.config.passwordAttemptWindowMs, String(limited.retryAfterMs))
        assert.equal((await privateSearch(server, player.session, secret.name, 'right one')).status, 429)
    })

    test('a right password unlocks the room for the join and gives the attempt back', async () => {
        const player = await signedAuthenticate(server)
        assert.equal((await joinRoom(server, secret.name, player.profile, { session: player.session })).status, 403, 'locked')
        for (let i = 0; i < server.config.passwordAttemptsPerUser - 1; i++) await check(player.profile.id, secret.name, `no ${i}`)
        const ok = await check(player.profile.id, secret.name, 'right one')
        assert.ok(ok.ok && ok.room.name === secret.name)
        assert.equal((await joinRoom(server, secret.name, player.profile, { session: player.session })).status, 200, 'unlocked')
        assert.deepEqual(await check(player.profile.id, secret.name, 'last'), { ok: false, reason: 'wrongPassword' }, 'one attempt left')
        assert.equal((await check(player.profile.id, secret.name, 'right one')).ok, false)
        server.clock.advance(server.config.passwordAttemptWindowMs + 1)
        assert.equal((await check(player.profile.id, secret.name, 'right one')).ok, true, 'the window passes')
    })
})
