// The client library as a bot author gets it: `npm pack` of client/, unpacked into an empty directory
// with `ws` as its only neighbour, imported by a plain Node script that joins a real server's room,
// chats and reads the echo. Nothing of the server's dependencies may be needed for that.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { hostRoom, startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { join as joinRoom, makeProfile, signedAuthenticate } from '../helpers/sonolus.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const clientDir = join(root, 'client')

let dir: string
let packageDir: string
let server: MultiplayerServer

before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ensemble-client-'))
    // `npm run build` compiled client/dist; packing without scripts keeps the test quick and offline.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: clientDir })
    const [packed] = JSON.parse(stdout) as { filename: string }[]
    mkdirSync(join(dir, 'node_modules'))
    await run('tar', ['xzf', join(dir, packed!.filename), '-C', join(dir, 'node_modules')])
    packageDir = join(dir, 'node_modules', 'ensemble-client')
    cpSync(join(dir, 'node_modules', 'package'), packageDir, { recursive: true })
    rmSync(join(dir, 'node_modules', 'package'), { recursive: true })
    cpSync(join(root, 'node_modules', 'ws'), join(dir, 'node_modules', 'ws'), { recursive: true })
    server = await startMultiplayerServer()
})
after(async () => {
    await server?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
})

function files(at: string): string[] {
    return readdirSync(at, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(at, e.name)) : [join(at, e.name)]))
}

test('the packed client needs only ws at run time, and @sonolus/core only for types', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    assert.deepEqual(Object.keys(manifest.dependencies), ['ws'])
    const scripts = files(packageDir).filter((f) => f.endsWith('.js'))
    assert.ok(scripts.some((f) => relative(packageDir, f) === join('dist', 'client', 'index.js')))
    assert.ok(
        scripts.some((f) => f.includes(join('dist', 'src', 'multiplayer'))),
        'the shared reducer is compiled in',
    )
    for (const file of scripts) {
        const source = readFileSync(file, 'utf8')
        const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!)
        for (const specifier of specifiers) {
            const allowed = specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('node:') || specifier === 'ws'
            assert.ok(allowed, `${relative(packageDir, file)} imports ${specifier} at run time`)
        }
    }
    assert.ok(
        files(packageDir).some((f) => f.endsWith(join('client', 'index.d.ts'))),
        'declarations are packed',
    )
})

test('a bot using only the packed client joins a room, chats and sees its echo', async () => {
    const host = await hostRoom(server)
    const bot = await signedAuthenticate(server, makeProfile('Packed Bot'))
    const answer = await joinRoom(server, host.name, bot.profile, { session: bot.session })
    writeFileSync(
        join(dir, 'bot.mjs'),
        `import { RoomClient } from 'ensemble-client'
const client = await RoomClient.connect(JSON.parse(process.env.ANSWER), { userId: process.env.USER_ID, maxEvents: 50, maxChat: 10 })
await client.nextOf('update')
const nonce = client.chat('hello from a packed bot')
await client.next((e) => e.type === 'addChatMessage' && e.nonce === nonce)
console.log(JSON.stringify({ users: client.model.view.users.length, chat: client.model.chat.map((c) => c.message.value), fatal: client.fatal?.message }))
await client.close()
`,
    )
    const { stdout } = await run(process.execPath, ['bot.mjs'], {
        cwd: dir,
        env: { PATH: process.env.PATH, ANSWER: JSON.stringify(answer), USER_ID: bot.profile.id },
        timeout: 20_000,
    })
    const report = JSON.parse(stdout) as { users: number; chat: string[]; fatal?: string }
    assert.equal(report.fatal, undefined)
    assert.equal(report.users, 2)
    // The server's join notice, then the bot's own line.
    assert.deepEqual(report.chat, ['Packed Bot joined the room.', 'hello from a packed bot'])
    await host.client.next((e) => e.type === 'addChatMessage' && e.message.value === 'hello from a packed bot')
    await host.client.close()
})
