// A client that joins a busy room and never reads its socket cannot raise the server's memory past the
// bound: unsent data per socket is held to ENSEMBLE_MAX_BUFFERED_BYTES (plus the event being sent), past
// which the socket is closed with 4004 and nothing more is queued for it. The server runs in a child
// process (test/helpers/fanout-child.ts: the real app with the chat rate limits lifted) that reports its
// memory; a reading player fans out `fanOutBytes` of chat while a second player's socket is paused.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { WebSocket } from 'ws'
import { makeKeys, makeProfile, SonolusHttp } from '../wire/sonolus-http.js'

const MiB = 1024 * 1024
/** Unsent bytes one socket may hold (ENSEMBLE_MAX_BUFFERED_BYTES; the default). */
const maxBufferedBytes = Number(process.env.SLOW_TEST_BUFFER_MIB ?? 1) * MiB
/** Chat bytes sent towards the sleeper: well past what the kernel's socket buffers and the bound take. */
const fanOutBytes = Number(process.env.SLOW_TEST_MIB ?? 32) * MiB
/**
 * The bound on what the server holds more once the fan-out is done, the sleeper still connected and not
 * reading (heap + external memory after a full collection): the sleeper's unsent data (at most
 * maxBufferedBytes plus one event), and 16 MiB for what a busy room holds anyway, whoever reads: the
 * room's event feed replay (its last 500 events, here 8 KB lines, kept as events and as text), caches,
 * the talker's lines in flight. Without the bound the server holds about 39 MiB more here.
 */
const liveGrowthBound = maxBufferedBytes + 16 * MiB
/** RSS also counts garbage the collector has not returned yet and SQLite's page cache: a looser bound. */
const rssGrowthBound = 128 * MiB
const lineChars = 8000

const child = resolve(dirname(fileURLToPath(import.meta.url)), '../helpers/fanout-child.js')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const mb = (n: number) => (n / MiB).toFixed(1)

type Mem = { rss: number; heapUsed: number; external: number }

test('a client that never reads is cut off (4004) and the server memory stays under the bound', async () => {
    const keys = makeKeys()
    const dataDir = await mkdtemp(join(tmpdir(), 'ensemble-slow-'))
    const proc = spawn(process.execPath, ['--expose-gc', child, dataDir, JSON.stringify(keys.publicJwk), String(maxBufferedBytes)], {
        stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    let peakRss = 0
    let onLive: ((m: Mem) => void) | undefined
    const port = await new Promise<number>((done, fail) => {
        let buffered = ''
        proc.once('exit', (code) => fail(new Error(`child exited ${code}: ${stderr}`)))
        proc.stdout.on('data', (chunk: Buffer) => {
            buffered += chunk.toString()
            const lines = buffered.split('\n')
            buffered = lines.pop()!
            for (const line of lines) {
                const [kind, a, b, c] = line.split(' ')
                if (kind === 'listening') done(Number(a))
                const m = { rss: Number(a), heapUsed: Number(b), external: Number(c) }
                if (kind === 'mem') peakRss = Math.max(peakRss, m.rss)
                if (kind === 'live') onLive?.(m)
            }
        })
    })
    /** Heap and external memory right after a full collection in the child. */
    const live = () =>
        new Promise<Mem>((done) => {
            onLive = done
            proc.stdin.write('live\n')
        })
    const sockets: WebSocket[] = []
    try {
        const address = `http://127.0.0.1:${port}`
        const http = new SonolusHttp(address, keys)
        const host = makeProfile('Talker')
        const slow = makeProfile('Sleeper')
        const hostSession = await http.signIn(host)
        const slowSession = await http.signIn(slow)
        const { name, key } = await http.createRoom(hostSession)
        const open = async (answer: { url: string; session: string }) => {
            const ws = new WebSocket(answer.url, { headers: { 'Sonolus-Room-Session': answer.session }, perMessageDeflate: false })
            sockets.push(ws)
            const first = new Promise<void>((done) => ws.once('message', () => done()))
            await new Promise((done, fail) => (ws.once('open', done), ws.once('error', fail)))
            await first
            return ws
        }
        const talker = await open(await http.joinRoom(name, host, { session: hostSession, key }))
        const sleeper = await open(await http.joinRoom(name, slow, { session: slowSession }))
        let echoed = 0
        talker.on('message', (data) => {
            const event = JSON.parse(data.toString()) as { type: string; nonce?: number }
            if (event.type === 'addChatMessage' && event.nonce !== undefined) echoed = event.nonce
        })
        const sleeperClosed = new Promise<number>((done) => sleeper.once('close', (code) => done(code)))
        const socket = (sleeper as unknown as { _socket: { pause(): void; resume(): void } })._socket
        // The sleeper stops reading: the kernel's buffers fill, then the server's.
        socket.pause()

        await sleep(200)
        const base = await live()
        peakRss = base.rss
        const text = 'x'.repeat(lineChars)
        const lines = Math.ceil(fanOutBytes / lineChars)
        const started = Date.now()
        let atCutOff: Mem | undefined
        for (let n = 1; n <= lines; n++) {
            talker.send(JSON.stringify({ type: 'addChatMessage', nonce: n, message: { userId: host.id, type: 'text', value: text } }))
            // At most 50 lines (400 KB) in flight: under the bound even when the server writes the talker's
            // echoes of a whole burst in one event-loop turn (frames of one turn leave in one write).
            if (n % 25 === 0) while (echoed < n - 25) await sleep(1)
            if (!atCutOff && /slow consumer cut off/.test(stderr)) {
                // Cut off: the socket is closing with its unsent data still held. What the server holds
                // now, then the sleeper reads again (before the close timer) and finds the close frame.
                atCutOff = await live()
                socket.resume()
            }
        }
        while (echoed < lines) await sleep(5)
        const seconds = (Date.now() - started) / 1000
        const held = await live()
        const grown = (m: Mem) => m.heapUsed + m.external - (base.heapUsed + base.external)
        const growth = { cutOff: atCutOff && grown(atCutOff), end: grown(held), rss: peakRss - base.rss }
        console.log(
            `slow consumer: ${mb(lines * lineChars)} MiB of chat fanned out in ${seconds.toFixed(1)} s towards a client that stopped reading; ` +
                `server memory held (heap + external after a full GC) grew ${growth.cutOff === undefined ? '-' : mb(growth.cutOff)} MiB at the cut-off ` +
                `and ${mb(growth.end)} MiB at the end (heap ${mb(held.heapUsed - base.heapUsed)}, external ${mb(held.external - base.external)}; bound ${mb(liveGrowthBound)}), ` +
                `peak RSS grew ${mb(growth.rss)} MiB over ${mb(base.rss)} MiB (bound ${mb(rssGrowthBound)})`,
        )
        // Without a cut-off the sleeper is still connected and unread here: the end figure counts its buffer.
        assert.ok(growth.end < liveGrowthBound, `the server holds ${mb(growth.end)} MiB more, over the bound of ${mb(liveGrowthBound)} MiB`)
        assert.ok(atCutOff, 'the server cut the sleeper off')
        assert.ok(growth.cutOff! < liveGrowthBound, `at the cut-off the server held ${mb(growth.cutOff!)} MiB more, over ${mb(liveGrowthBound)} MiB`)
        assert.ok(growth.rss < rssGrowthBound, `RSS grew by ${mb(growth.rss)} MiB, over ${mb(rssGrowthBound)} MiB`)
        assert.equal(await sleeperClosed, 4004, 'told why, once it read again')
        assert.equal(talker.readyState, WebSocket.OPEN, 'the reading player is unaffected')
    } finally {
        for (const ws of sockets) ws.terminate()
        proc.kill('SIGTERM')
        await new Promise((r) => proc.once('exit', r))
        await rm(dataDir, { recursive: true, force: true })
    }
})
