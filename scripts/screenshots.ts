// Takes the README's screenshots (docs/web-*.png): a real server, rooms made by Sonolus clients, one
// round played and some chat, then the room list and a room page at desktop and phone widths.
// Run: npm run build && node dist/scripts/screenshots.js
import type { LevelItem, StartRoundEvent } from '@sonolus/core'
import { launchBrowser } from '../test/helpers/browser.js'
import { connect, converge, joinPlayer, level, startMultiplayerServer, type MultiplayerServer } from '../test/helpers/multiplayer.js'
import { createAndJoin, makeProfile, postSigned } from '../test/helpers/sonolus.js'
import { sampleResult } from '../test/helpers/gameplay.js'

/** Creates a room as `name` from the app and connects them (master and lead). */
async function hostAs(server: MultiplayerServer, params: Record<string, string>, name: string) {
    const created = await createAndJoin(server, { params, profile: makeProfile(name) })
    const client = await connect(server, created.name, created.answer, created.profile)
    await client.nextOf('update')
    return { client, name: created.name, profile: created.profile }
}

const server = await startMultiplayerServer()
const players: { client: import('../client/index.js').RoomClient }[] = []
try {
    const host = await hostAs(server, { title: 'Friday night session' }, 'Aiko')
    players.push(host)
    const ren = await hostAs(server, { title: 'Late practice', password: 'secret' }, 'Ren')
    players.push(ren)
    players.push(await hostAs(server, { title: 'Chill charts only' }, 'Mika'))
    const guest = await joinPlayer(server, host.name, 'Ben')
    players.push(guest)
    players.push(await joinPlayer(server, host.name, 'Chloe'))
    guest.client.chat('Ready when you are!')
    host.client.chat('Starting the next song')

    host.client.selectLevel(level('Glory Days'))
    host.client.setStatus('preparing')
    await host.client.next((e) => e.type === 'updateStatus' && e.status === 'preparing')
    for (const p of [host, guest, players[4]!]) p.client.setUserStatus('ready')
    await converge(server, host.name, [host.client, guest.client])
    host.client.setStatus('playing')
    const start = (await host.client.nextOf('startRound')) as StartRoundEvent
    const song = { name: 'Glory Days', title: 'Glory Days' } as unknown as LevelItem
    const roundPlayers = [host, guest, players[4]!]
    for (const p of roundPlayers) p.client.startGameplay(start.state, song)
    await new Promise((resolve) => setTimeout(resolve, 100))

    const browsers = [await launchBrowser({ width: 1280 }), await launchBrowser({ width: 360 })]
    try {
        const pages = await Promise.all(browsers.map((b) => b.context.newPage()))
        // The desktop browser signs in with Sonolus as Ren (who sees the private room and may chat).
        await pages[0]!.goto(`${server.base}/`)
        await pages[0]!.click('#sign-in')
        const link = (await pages[0]!.locator('#sonolus-link').getAttribute('href'))!
        const url = `${server.config.address}/${link.slice('sonolus://external-login/'.length).split('/').slice(1).join('/')}`
        const body = JSON.stringify({ type: 'authenticateExternal', url, time: server.clock.now(), userProfile: ren.profile })
        await postSigned(server, new URL(url).pathname, body)
        await pages[0]!.locator('.who').waitFor()
        await pages[0]!.request.post(`${server.base}/api/join_room`, { headers: { 'x-ensemble-csrf': '1' }, data: { name: host.name } })
        for (const [i, page] of pages.entries()) {
            const width = i ? 360 : 1280
            await page.goto(`${server.base}/`)
            await page.locator('li[data-room]').nth(1).waitFor()
            await page.screenshot({ path: `docs/web-rooms-${width}.png`, fullPage: true })
            await page.goto(`${server.base}/rooms/${host.name}`)
            await page.locator('#live.on').waitFor()
        }
        // The round ends while the pages watch: results and the scoreboard arrive live.
        const scores: [number, number][] = [
            [982_340, 491_170],
            [915_200, 457_600],
            [876_010, 438_005],
        ]
        roundPlayers.forEach((p, i) => p.client.finishGameplay(start.state, sampleResult(...scores[i]!)))
        guest.client.chat('gg! that last section was wild')
        for (const [i, page] of pages.entries()) {
            await page.locator('#results li:not(.empty)').first().waitFor()
            await page.locator('#chat li', { hasText: 'gg!' }).waitFor()
            await page.waitForTimeout(300)
            await page.screenshot({ path: `docs/web-room-${i ? 360 : 1280}.png`, fullPage: true })
        }
    } finally {
        for (const b of browsers) await b.close()
    }
} finally {
    for (const p of players) await p.client.close().catch(() => {})
    await server.close()
}
