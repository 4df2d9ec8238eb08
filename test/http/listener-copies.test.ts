// ENSEMBLE_ACCEPT_DESCRIPTORS (src/http/listener-copies.ts): copies of the listening socket accept more
// than one queued connection in a turn of the event loop, every connection reaches the HTTP server, and
// closing the copies and the server closes the socket.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs'
import { createServer, get, type Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { copyListener } from '../../src/http/listener-copies.js'

const linux = process.platform === 'linux'
const quiet = { warn() {} }

async function listening(): Promise<{ server: Server; port: number }> {
    const server = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, port: (server.address() as { port: number }).port }
}

/** How many descriptors of this process are the listening socket of `server`. */
function descriptorsOf(server: Server): number {
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd
    const target = readlinkSync(`/proc/self/fd/${fd}`)
    return readdirSync('/proc/self/fd').filter((n) => {
        try {
            return readlinkSync(`/proc/self/fd/${n}`) === target
        } catch {
            return false
        }
    }).length
}

describe('copies of the listening socket', { skip: !linux && 'Linux only' }, () => {
    const cleanups: (() => void)[] = []
    after(() => cleanups.forEach((f) => f()))

    test('makes the copies asked for: more descriptors of the one socket', async () => {
        const { server } = await listening()
        cleanups.push(() => server.close())
        const copies = copyListener(server, 3, quiet)
        assert.equal(await copies.ready, 3)
        assert.equal(descriptorsOf(server), 4)
        copies.close()
        assert.equal(descriptorsOf(server), 1)
    })

    test('none asked, none made (no helper process)', async () => {
        const { server } = await listening()
        cleanups.push(() => server.close())
        assert.equal(await copyListener(server, 0, quiet).ready, 0)
        assert.equal(descriptorsOf(server), 1)
    })

    test('a turn of the event loop accepts more than one queued connection', async () => {
        const perTurn = async (copies: number) => {
            const { server, port } = await listening()
            const made = copyListener(server, copies, quiet)
            assert.equal(await made.ready, copies)
            // Another process connects 24 times while this one's event loop is held: the connections
            // wait in the accept queue, and the turns after count how many each accepts.
            const flag = join(tmpdir(), `ensemble-accepts-${process.pid}-${copies}`)
            rmSync(flag, { force: true })
            const turns: number[] = []
            let turn = 0
            let spinning = true
            const spin = () => {
                turn++
                if (spinning) setImmediate(spin)
            }
            server.on('connection', () => (turns[turn] = (turns[turn] ?? 0) + 1))
            const child = spawn(
                process.execPath,
                [
                    '-e',
                    `const net = require('node:net'); let up = 0;
                     for (let i = 0; i < 24; i++) net.connect(${port}, '127.0.0.1', () => { if (++up === 24) require('node:fs').writeFileSync(${JSON.stringify(flag)}, '') }).on('error', () => {});
                     setTimeout(() => {}, 60000)`,
                ],
                { stdio: ['ignore', 'ignore', 'inherit'] },
            )
            for (const deadline = Date.now() + 10_000; !existsSync(flag);) {
                if (Date.now() > deadline) {
                    child.kill()
                    assert.fail('the other process did not connect')
                }
            }
            rmSync(flag, { force: true })
            spin()
            const deadline = Date.now() + 5000
            while (turns.reduce((a, b) => a + (b ?? 0), 0) < 24) {
                assert.ok(Date.now() < deadline, 'every connection accepted')
                await new Promise((resolve) => setTimeout(resolve, 5))
            }
            spinning = false
            child.kill()
            made.close()
            server.closeAllConnections()
            server.close()
            return Math.max(...turns.filter((n) => n !== undefined))
        }
        const alone = await perTurn(0)
        const withCopies = await perTurn(3)
        // libuv 1.45+ accepts one connection a turn per descriptor (the reason for the copies).
        assert.ok(withCopies >= 2, `most connections accepted in one turn with 4 descriptors: ${withCopies} (one descriptor: ${alone})`)
        assert.ok(withCopies > alone, `copies accept more in a turn than one descriptor: ${withCopies} against ${alone}`)
    })

    test('connections accepted through a copy reach the HTTP server, and closing closes the socket', async () => {
        const { server, port } = await listening()
        const copies = copyListener(server, 3, quiet)
        assert.equal(await copies.ready, 3)
        let throughCopies = 0
        // Before the HTTP server's own listener, which makes itself the socket's `server`.
        server.prependListener('connection', (socket: Socket & { server?: unknown }) => {
            if (socket.server !== server) throughCopies++
        })
        const fetchOnce = () =>
            new Promise<string>((resolve, reject) => {
                get({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
                    let body = ''
                    res.on('data', (c: Buffer) => (body += c.toString()))
                    res.on('end', () => resolve(`${res.statusCode} ${body}`))
                }).on('error', reject)
            })
        const answers = await Promise.all(Array.from({ length: 40 }, fetchOnce))
        assert.deepEqual(new Set(answers), new Set(['200 ok']))
        assert.ok(throughCopies > 0, 'some connections were accepted through the copies')

        // Closing the copies alone leaves the server accepting through its own descriptor.
        copies.close()
        assert.equal(await fetchOnce(), '200 ok')
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        const refused = await new Promise<string>((resolve) => {
            const socket = connect(port, '127.0.0.1')
            socket.once('connect', () => (socket.destroy(), resolve('connected')))
            socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)))
        })
        assert.equal(refused, 'ECONNREFUSED')
    })

    test('a helper that does not answer in time leaves the server on its own descriptor, with a warning', async () => {
        const { server, port } = await listening()
        cleanups.push(() => server.close())
        const warnings: string[] = []
        const copies = copyListener(server, 3, { warn: (_obj, msg) => warnings.push(String(msg)) }, 1)
        assert.equal(await copies.ready, 0)
        assert.match(warnings.join('\n'), /not copied/)
        // Nothing arrives later: the helper was let go.
        await new Promise((resolve) => setTimeout(resolve, 300))
        assert.equal(descriptorsOf(server), 1)
        const answer = await new Promise<number>((resolve, reject) =>
            get({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => (res.resume(), resolve(res.statusCode!))).on('error', reject),
        )
        assert.equal(answer, 200)
        copies.close()
    })
})
