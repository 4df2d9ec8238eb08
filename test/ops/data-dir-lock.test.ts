// One data directory, one process: `node dist/src/main.js` twice on the same SQLite data directory. The
// second start is refused with one line on stderr naming the first (its pid and address) and exit code 2;
// once the first is gone (kill -9 leaves its lock file and holder note behind; SIGTERM too) a new start
// succeeds. Real child processes throughout.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, test } from 'node:test'
import { startServerProcess } from '../wire/server-process.js'
import { makeKeys } from '../wire/sonolus-http.js'
import { createTestDatabase, postgresSkip } from '../helpers/postgres.js'

const keys = makeKeys()
const pgSkip = await postgresSkip()
const mainJs = fileURLToPath(new URL('../../src/main.js', import.meta.url))
const dirs: string[] = []
after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'ensemble-lock-'))
    dirs.push(dir)
    return dir
}

/** A start expected to end on its own: exit code and what it wrote. */
function runToExit(dataDir: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [mainJs], {
        env: {
            PATH: process.env.PATH ?? '',
            ENSEMBLE_PORT: '0',
            ENSEMBLE_HOST: '127.0.0.1',
            ENSEMBLE_DATA_DIR: dataDir,
            ENSEMBLE_SIGNATURE_PUBLIC_KEY: JSON.stringify(keys.publicJwk),
            ENSEMBLE_LOG_LEVEL: 'warn',
            ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    return new Promise((resolve) =>
        child.once('exit', (code) => {
            clearTimeout(timer)
            resolve({ code, stdout, stderr })
        }),
    )
}

test('a second server on the same data directory is refused with one line naming the first, exit 2', async () => {
    const dataDir = await tempDir()
    const first = await startServerProcess(keys.publicJwk, {}, { dataDir })
    try {
        const second = await runToExit(dataDir)
        assert.equal(second.code, 2, `exit code (stderr: ${second.stderr})`)
        const lines = second.stderr.trimEnd().split('\n')
        assert.equal(lines.length, 1, `one line: ${second.stderr}`)
        assert.match(lines[0]!, /^ensemble: the data directory .* is in use by another Ensemble/)
        assert.ok(lines[0]!.includes(`pid ${first.pid} `), `names the holder's pid ${first.pid}: ${lines[0]}`)
        assert.ok(lines[0]!.includes(first.address), `names the holder's address: ${lines[0]}`)
        assert.match(lines[0]!, /PostgreSQL and Redis/)
        // The first one still serves.
        assert.equal((await fetch(`${first.address}/healthz`)).status, 200)
    } finally {
        assert.equal(await first.stop(), 0)
    }
})

test('the same database through ENSEMBLE_DATABASE_URL is the same directory: refused too', async () => {
    const dataDir = await tempDir()
    const first = await startServerProcess(keys.publicJwk, {}, { dataDir })
    try {
        const other = await tempDir()
        const second = await runToExit(other, { ENSEMBLE_DATABASE_URL: `sqlite:${join(dataDir, 'ensemble.sqlite')}` })
        assert.equal(second.code, 2, second.stderr)
        assert.ok(second.stderr.includes(`pid ${first.pid} `), second.stderr)
    } finally {
        await first.stop()
    }
})

test('kill -9 leaves no lock behind: a new start on the same directory succeeds', async () => {
    const dataDir = await tempDir()
    const first = await startServerProcess(keys.publicJwk, {}, { dataDir })
    first.kill('SIGKILL')
    await first.exited
    // The dead holder's files are still there; only the kernel's lock went with it.
    assert.ok(existsSync(join(dataDir, 'ensemble.lock')))
    assert.ok(existsSync(join(dataDir, 'ensemble.lock.json')), 'the holder note outlives a kill -9')
    const second = await startServerProcess(keys.publicJwk, {}, { dataDir })
    try {
        assert.equal((await fetch(`${second.address}/healthz`)).status, 200)
        // And the new holder is the one named now.
        const third = await runToExit(dataDir)
        assert.equal(third.code, 2)
        assert.ok(third.stderr.includes(`pid ${second.pid} `), third.stderr)
    } finally {
        assert.equal(await second.stop(), 0)
    }
})

test('after SIGTERM the directory is free again and the holder note is gone', async () => {
    const dataDir = await tempDir()
    const first = await startServerProcess(keys.publicJwk, {}, { dataDir })
    assert.equal(await first.stop(), 0)
    assert.equal(existsSync(join(dataDir, 'ensemble.lock.json')), false)
    const second = await startServerProcess(keys.publicJwk, {}, { dataDir })
    assert.equal(await second.stop(), 0)
})

test('PostgreSQL mode takes no lock on the data directory (several nodes share one database)', { skip: pgSkip }, async () => {
    const db = await createTestDatabase()
    try {
        const dataDir = await tempDir()
        const env = { ENSEMBLE_DATABASE_URL: db.url }
        const first = await startServerProcess(keys.publicJwk, env, { dataDir })
        const second = await startServerProcess(keys.publicJwk, env, { dataDir })
        assert.equal(await first.stop(), 0)
        assert.equal(await second.stop(), 0)
        assert.equal(existsSync(join(dataDir, 'ensemble.lock')), false)
    } finally {
        await db.drop()
    }
})
