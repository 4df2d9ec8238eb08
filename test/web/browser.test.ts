// The web page in a real headless Chromium against a real server with players connected over the game
// socket: the live room list, the live room page (join, round start, chat), and sign-in with Sonolus.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { browserSkip, launchBrowser } from '../helpers/browser.js'
import { converge, hostRoom, joinPlayer, level, startMultiplayerServer } from '../helpers/multiplayer.js'
import { makeProfile, postSigned, sign, signedAuthenticate } from '../helpers/sonolus.js'

const skip = browserSkip()
if (skip) console.log(`# browser tests skipped: ${skip}`)

test('the room list shows rooms created in Sonolus and updates without a reload', { skip }, async () => {
    // The browser first: a launch that fails leaves no server running.
    const browser = await launchBrowser()
    const server = await startMultiplayerServer()
    try {
        const first = await hostRoom(server, { title: 'Friday night' })
        const page = await browser.context.newPage()
        await page.goto(`${server.base}/`)
        const card = page.locator(`li[data-room="${first.name}"]`)
        await card.waitFor()
        assert.match(await card.innerText(), /Friday night/)
        assert.match(await card.locator('.count').innerText(), /^1 \/ \d+$/)
        assert.match(await card.innerText(), /Creator/) // the master

        // A second room appears and the first one's player count moves, with no navigation.
        const second = await hostRoom(server, { title: 'Late session' })
        await page.locator(`li[data-room="${second.name}"]`).waitFor({ timeout: 10_000 })
        await joinPlayer(server, first.name, 'Guest')
        await page.waitForFunction(
            (name) => (globalThis as any).document.querySelector(`li[data-room="${name}"] .count`)?.textContent?.startsWith('2 /'),
            first.name,
            { timeout: 10_000 },
        )

        // Search narrows the list.
        await page.fill('#search', 'Late')
        await page.waitForFunction((name) => !(globalThis as any).document.querySelector(`li[data-room="${name}"]`), first.name, { timeout: 10_000 })
        assert.equal(await page.locator(`li[data-room="${second.name}"]`).count(), 1)
        assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation' as any).length), 1)

        // The language switch: Japanese texts at once, remembered for the next visit.
        await page.selectOption('#lang', 'ja')
        await page.locator('h1', { hasText: 'ルーム' }).waitFor()
        await page.reload()
        assert.equal(await page.locator('h1').innerText(), 'ルーム')
        assert.equal(await page.locator('html').getAttribute('lang'), 'ja')
    } finally {
        await server.close()
        await browser.close()
    }
})

test('the room page follows joins, statuses, a round start, the master, the title and chat live from the event feed', { skip }, async () => {
    // The browser first: a launch that fails leaves no server running.
    const browser = await launchBrowser({ width: 360 })
    const server = await startMultiplayerServer()
    try {
        const host = await hostRoom(server, { title: 'Watch me' })
        const page = await browser.context.newPage()
        await page.goto(`${server.base}/rooms/${host.name}`)
        await page.locator('#live.on').waitFor()
        assert.equal(await page.locator('#room-title').innerText(), 'Watch me')
        await page.evaluate(() => ((globalThis as any).__sameDocument = true))

        const guest = await joinPlayer(server, host.name, 'Guest')
        await page.locator('#players li', { hasText: 'Guest' }).waitFor()
        assert.match(await page.locator('#room-count').innerText(), /^2 \//)

        host.client.selectLevel(level('song-e'))
        host.client.setStatus('preparing')
        await host.client.next((e) => e.type === 'updateStatus' && e.status === 'preparing')
        host.client.setUserStatus('ready')
        guest.client.setUserStatus('skipped')
        await converge(server, host.name, [host.client, guest.client])
        await page.locator('#players li', { hasText: 'Creator' }).locator('.badge', { hasText: 'Ready' }).waitFor()
        await page.locator('#players li', { hasText: 'Guest' }).locator('.badge', { hasText: 'Skipping' }).waitFor()
        host.client.setStatus('playing')
        await host.client.nextOf('startRound')
        await page.locator('#room-round', { hasText: 'Round 1 started' }).waitFor()
        assert.equal(await page.locator('#room-status').innerText(), 'Playing')
        assert.equal(await page.locator('#room-level').innerText(), 'song-e')
        // The round's start sets the skipped player waiting, in one event for the whole room.
        await page.locator('#players li', { hasText: 'Guest' }).locator('.badge', { hasText: 'Waiting' }).waitFor()

        assert.equal(await page.locator('#room-master').innerText(), 'Creator')
        host.client.setMaster(guest.profile.id)
        await page.locator('#room-master', { hasText: 'Guest' }).waitFor()
        guest.client.chat('/title Renamed live')
        await page.locator('#room-title', { hasText: 'Renamed live' }).waitFor()
        assert.match(await page.title(), /^Renamed live/)

        guest.client.chat('hello from the game')
        await page.locator('#chat li', { hasText: 'hello from the game' }).waitFor()
        assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), true, 'no reload')
        // Nothing wider than the phone's screen.
        assert.ok((await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)) <= 360)
    } finally {
        await server.close()
        await browser.close()
    }
})

test('sign-in with Sonolus: a signed authenticateExternal body signs the waiting page in; its chat reaches the players', { skip }, async () => {
    // The browser first: a launch that fails leaves no server running.
    const browser = await launchBrowser()
    const server = await startMultiplayerServer()
    try {
        const host = await hostRoom(server, { title: 'Web chat' })
        const page = await browser.context.newPage()
        await page.goto(`${server.base}/rooms/${host.name}`)
        await page.locator('#live.on').waitFor()
        await page.click('#sign-in')
        const link = await page.locator('#sonolus-link').getAttribute('href')
        assert.ok(link?.startsWith('sonolus://external-login/127.0.0.1:'), link ?? '')
        assert.match((await page.locator('img.qr').getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/)
        const url = `${server.config.address}/${link!.slice('sonolus://external-login/'.length).split('/').slice(1).join('/')}`
        const path = new URL(url).pathname

        const profile = makeProfile('Webber')
        const body = (overrides: Record<string, unknown> = {}) =>
            JSON.stringify({ type: 'authenticateExternal', url, time: server.clock.now(), userProfile: profile, ...overrides })
        // Refusals first: each is 401 with a reason, and none signs the page in.
        const refused = async (text: string, signature?: string | null) => (await postSigned(server, path, text, { signature })).status
        assert.equal(await refused(body(), null), 401)
        assert.equal(await refused(body(), sign('something else')), 401)
        assert.equal(await refused(body({ type: 'authenticateServer' })), 401)
        assert.equal(await refused(body({ url: `${url}x` })), 401)
        assert.equal(await refused(body({ time: server.clock.now() - 10 * 60_000 })), 401)
        const good = body()
        const ok = await postSigned(server, path, good)
        assert.equal(ok.status, 200, ok.text)
        assert.equal(typeof ok.body.message, 'string')
        assert.equal((await postSigned(server, path, good)).status, 401, 'a replayed body is refused')

        await page.locator('.who', { hasText: 'Signed in as Webber' }).waitFor()
        const cookie = (await browser.context.cookies()).find((c) => c.name === 'ensemble_session')
        assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Lax')
        // The session is stored hashed: the cookie's value is nowhere in the database.
        const raw = (server.app.store as any).db?.prepare?.('SELECT COUNT(*) AS n FROM sessions WHERE token_hash = ?').get(cookie.value)
        if (raw) assert.equal(raw.n, 0)

        // A cookie-signed state change without the page's CSRF header is refused.
        const csrf = await page.evaluate(
            async (name) =>
                (await fetch(`api/rooms/${name}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"x"}' }))
                    .status,
            host.name,
        )
        assert.equal(csrf, 403)

        await page.click('#chat-text')
        await page.fill('#chat-text', 'hello from the web')
        await page.keyboard.press('Enter')
        await page.locator('#join').click() // not a member yet: the page offers to join
        await page.locator('#chat-text').waitFor()
        await page.fill('#chat-text', 'hello from the web')
        await page.keyboard.press('Enter')
        const line = await host.client.next((e) => e.type === 'addChatMessage' && String((e as any).message.value).includes('hello from the web'))
        assert.ok(line)
        await page.locator('#chat li', { hasText: 'hello from the web' }).waitFor()
    } finally {
        await server.close()
        await browser.close()
    }
})

test('a private room the user cannot see yet: the page offers join_room with its password, then shows the room live', { skip }, async () => {
    // The browser first: a launch that fails leaves no server running.
    const browser = await launchBrowser()
    const server = await startMultiplayerServer()
    try {
        const host = await hostRoom(server, { title: 'Hidden club', password: 'open-sesame' })
        // Signed in: the page's cookie carries a session like the web sign-in's.
        const visitor = await signedAuthenticate(server, makeProfile('Visitor'))
        await browser.context.addCookies([{ name: 'ensemble_session', value: visitor.session, url: server.base }])
        const page = await browser.context.newPage()
        await page.goto(`${server.base}/rooms/${host.name}`)
        await page.locator('h1', { hasText: 'Room not found.' }).waitFor()
        await page.locator('.who', { hasText: 'Signed in as Visitor' }).waitFor()

        await page.fill('#join-password', 'wrong')
        await page.locator('#join').click()
        await page.locator('.form-status', { hasText: 'wrong password' }).waitFor()
        assert.equal(await page.locator('#room-title').count(), 0, 'still hidden')

        await page.fill('#join-password', 'open-sesame')
        await page.locator('#join').click()
        await page.locator('#room-title', { hasText: 'Hidden club' }).waitFor()
        await page.locator('#live.on').waitFor()
        await page.fill('#chat-text', 'found it')
        await page.keyboard.press('Enter')
        await host.client.next((e) => e.type === 'addChatMessage' && String((e as any).message.value).includes('found it'))
        await page.locator('#chat li', { hasText: 'found it' }).waitFor()
    } finally {
        await server.close()
        await browser.close()
    }
})
