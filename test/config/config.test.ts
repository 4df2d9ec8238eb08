// Configuration: defaults, env and flags (flags win), validation listing every problem, exit code 2.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { dirname, join, resolve } from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { signaturePublicKeyJWK } from '@sonolus/core'
import { ConfigError, loadConfig, normalizeAddress, parseBytes, parseDuration, settings } from '../../src/config.js'
import { multiplayerUrl } from '../../src/urls.js'
import { makeKeys } from '../helpers/signing.js'

const load = (env: Record<string, string> = {}, argv: string[] = []) => loadConfig({ env, argv, cwd: '/srv/ensemble' })

const problemsOf = (fn: () => unknown): string[] => {
    try {
        fn()
    } catch (e) {
        assert.ok(e instanceof ConfigError)
        return e.problems
    }
    assert.fail('expected a ConfigError')
}

describe('config', () => {
    test('defaults', () => {
        const { config, warnings } = load()
        assert.equal(config.port, 3000)
        assert.equal(config.host, '0.0.0.0')
        assert.equal(config.address, 'http://localhost:3000')
        assert.equal(config.basePath, '')
        assert.equal(config.dataDir, '/srv/ensemble/data')
        assert.deepEqual(config.database, { kind: 'sqlite', path: '/srv/ensemble/data/ensemble.sqlite' })
        assert.equal(config.redisUrl, null)
        assert.deepEqual(config.signaturePublicKey, signaturePublicKeyJWK)
        assert.equal(config.signatureKeyOverridden, false)
        assert.equal(config.sessionTtlMs, 30 * 60_000)
        assert.equal(config.joinSessionTtlMs, 60_000)
        assert.equal(config.reservationTtlMs, 5 * 60_000)
        assert.equal(config.timeWindowMs, 5 * 60_000)
        assert.equal(config.timeFutureToleranceMs, 10_000)
        assert.equal(config.bodyLimit, 64 * 1024)
        assert.equal(config.wsMaxPayload, 64 * 1024)
        assert.equal(config.heartbeatIntervalMs, 30_000)
        assert.equal(config.reconnectGraceMs, 60_000)
        assert.equal(config.emptyRoomIdleMs, 5 * 60_000)
        assert.equal(config.maxBufferedBytes, 1024 * 1024)
        assert.equal(config.kickBanMs, 10 * 60_000)
        assert.equal(config.maxPlayersLimit, 100)
        assert.equal(config.defaultMaxPlayers, 16)
        assert.deepEqual(warnings, [])
    })

    test('environment variables and flags; a flag wins over its variable', () => {
        const { config } = load(
            { ENSEMBLE_PORT: '4000', ENSEMBLE_ADDRESS: 'HTTPS://Example.com/ensemble/', ENSEMBLE_SESSION_TTL: '10m', ENSEMBLE_TRUST_PROXY: 'yes' },
            ['--port', '5000', '--data-dir=/var/lib/ensemble', '--base-path', '/ensemble/', '--body-limit', '128KiB'],
        )
        assert.equal(config.port, 5000)
        assert.equal(config.address, 'https://example.com/ensemble')
        assert.equal(config.basePath, '/ensemble')
        assert.equal(config.dataDir, '/var/lib/ensemble')
        assert.equal(config.sessionTtlMs, 600_000)
        assert.equal(config.bodyLimit, 128 * 1024)
        assert.equal(config.trustProxy, true)
    })

    test('the README documents every setting', async () => {
        const { readFile } = await import('node:fs/promises')
        const readme = await readFile(resolve(dirname(fileURLToPath(import.meta.url)), '../../../README.md'), 'utf8')
        for (const s of settings) assert.match(readme, new RegExp(`\\| \`${s.env}\` \\| \`${s.flag}\` \\|`), s.env)
    })

    test('every setting has a flag derived from its variable', () => {
        for (const s of settings) assert.equal(s.flag, '--' + s.env.slice('ENSEMBLE_'.length).toLowerCase().replaceAll('_', '-'))
        assert.equal(load({}, ['--help']).help, true)
    })

    test('database URL: sqlite path or URL, or a postgres URL', () => {
        assert.deepEqual(load({ ENSEMBLE_DATABASE_URL: 'db/x.sqlite' }).config.database, { kind: 'sqlite', path: '/srv/ensemble/db/x.sqlite' })
        assert.deepEqual(load({ ENSEMBLE_DATABASE_URL: 'sqlite:///tmp/e.db' }).config.database, { kind: 'sqlite', path: '/tmp/e.db' })
        assert.deepEqual(load({ ENSEMBLE_DATABASE_URL: 'postgres://u:p@h/db' }).config.database, { kind: 'postgres', url: 'postgres://u:p@h/db' })
        assert.match(problemsOf(() => load({ ENSEMBLE_DATABASE_URL: 'mysql://h/db' }))[0]!, /ENSEMBLE_DATABASE_URL/)
    })

    test('a signature key override is accepted (with a loud warning) only if it is an EC P-256 public JWK', () => {
        const jwk = makeKeys().publicJwk
        const { config, warnings } = load({ ENSEMBLE_SIGNATURE_PUBLIC_KEY: JSON.stringify(jwk) })
        assert.equal(config.signatureKeyOverridden, true)
        assert.deepEqual(config.signaturePublicKey, jwk)
        assert.match(warnings.join('\n'), /NOT the official Sonolus key/)
        const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' })
        assert.match(problemsOf(() => load({ ENSEMBLE_SIGNATURE_PUBLIC_KEY: JSON.stringify(rsa) }))[0]!, /P-256/)
        assert.match(problemsOf(() => load({ ENSEMBLE_SIGNATURE_PUBLIC_KEY: '{not json' }))[0]!, /ENSEMBLE_SIGNATURE_PUBLIC_KEY/)
    })

    test('redis URL is validated and needs PostgreSQL; the node URL defaults to the address', () => {
        const pg = { ENSEMBLE_DATABASE_URL: 'postgres://127.0.0.1/test' }
        const { config, warnings } = load({ ...pg, ENSEMBLE_REDIS_URL: 'redis://localhost:6379', ENSEMBLE_ADDRESS: 'https://play.example.com' })
        assert.equal(config.redisUrl, 'redis://localhost:6379')
        assert.equal(config.nodeUrl, null)
        assert.equal(warnings.length, 0)
        assert.match(problemsOf(() => load({ ...pg, ENSEMBLE_REDIS_URL: 'http://x' }))[0]!, /redis/)
        assert.match(problemsOf(() => load({ ENSEMBLE_REDIS_URL: 'redis://localhost:6379' }))[0]!, /ENSEMBLE_REDIS_URL.*postgres/)
        const node = load({ ...pg, ENSEMBLE_REDIS_URL: 'redis://localhost', ENSEMBLE_NODE_URL: 'HTTPS://Play.example.com:443/node-a/' })
        assert.equal(node.config.nodeUrl, 'https://play.example.com/node-a')
        assert.match(problemsOf(() => load({ ENSEMBLE_NODE_URL: 'ftp://x' }))[0]!, /ENSEMBLE_NODE_URL/)
    })

    test('every problem is listed at once, naming the variable and the flag', () => {
        const problems = problemsOf(() =>
            load({ ENSEMBLE_PORT: 'abc', ENSEMBLE_ADDRESS: 'ftp://x', ENSEMBLE_SESSION_TTL: '2h', ENSEMBLE_LOG_LEVEL: 'loud' }, [
                '--bogus',
                '--time-window',
            ]),
        )
        const text = problems.join('\n')
        assert.match(text, /ENSEMBLE_PORT \(--port\) must be a whole number/)
        assert.match(text, /ENSEMBLE_ADDRESS .* http/)
        assert.match(text, /ENSEMBLE_SESSION_TTL .* between/)
        assert.match(text, /ENSEMBLE_LOG_LEVEL/)
        assert.match(text, /unknown argument "--bogus"/)
        assert.match(text, /--time-window needs a value/)
        assert.equal(problems.length, 6)
    })

    test('default players may not exceed the limit', () => {
        assert.match(problemsOf(() => load({ ENSEMBLE_MAX_PLAYERS_LIMIT: '8' }))[0]!, /ENSEMBLE_DEFAULT_MAX_PLAYERS/)
    })

    test('durations, sizes and addresses', () => {
        assert.equal(parseDuration('500ms'), 500)
        assert.equal(parseDuration('1.5s'), 1500)
        assert.equal(parseDuration('2h'), 7_200_000)
        assert.equal(parseDuration('250'), 250)
        assert.equal(parseDuration('soon'), undefined)
        assert.equal(parseBytes('1MiB'), 1_048_576)
        assert.equal(parseBytes('64k'), 65_536)
        assert.equal(parseBytes('10'), 10)
        assert.equal(normalizeAddress('https://EXAMPLE.com:443/a/'), 'https://example.com/a')
        assert.equal(normalizeAddress('http://example.com:8080'), 'http://example.com:8080')
        assert.throws(() => normalizeAddress('https://example.com/?q=1'))
    })

    test('multiplayerUrl: ws for http, wss for https, the address path kept', () => {
        assert.equal(multiplayerUrl('http://localhost:3000', 'abc'), 'ws://localhost:3000/multiplayer/rooms/abc')
        assert.equal(multiplayerUrl('https://example.com/ensemble', 'a b'), 'wss://example.com/ensemble/multiplayer/rooms/a%20b')
    })
})

describe('main', () => {
    const main = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/main.js')

    test('bad configuration exits with code 2 and says what is wrong', () => {
        const run = spawnSync(process.execPath, [main, '--port', 'http'], { encoding: 'utf8', env: { PATH: process.env.PATH } })
        assert.equal(run.status, 2)
        assert.match(run.stderr, /ENSEMBLE_PORT \(--port\) must be a whole number/)
    })

    test('an unreachable PostgreSQL exits with code 2 and one line saying so', () => {
        const run = spawnSync(process.execPath, [main], {
            encoding: 'utf8',
            env: { PATH: process.env.PATH, ENSEMBLE_DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x', ENSEMBLE_LOG_LEVEL: 'silent' },
        })
        assert.equal(run.status, 2)
        assert.match(run.stderr, /^ensemble: cannot reach PostgreSQL at 127\.0\.0\.1:1\/x: .*\n$/)
        assert.doesNotMatch(run.stderr, /secret/)
    })

    test('--help prints every variable and exits 0', () => {
        const run = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH } })
        assert.equal(run.status, 0)
        for (const s of settings) assert.match(run.stdout, new RegExp(s.env))
    })

    test('starts, serves, and exits 0 on SIGTERM', async () => {
        const { spawn } = await import('node:child_process')
        const { mkdtemp, rm } = await import('node:fs/promises')
        const { tmpdir } = await import('node:os')
        const dir = await mkdtemp(join(tmpdir(), 'ensemble-main-'))
        const child = spawn(process.execPath, [main, '--port', '0', '--host', '127.0.0.1', '--data-dir', dir], {
            env: { PATH: process.env.PATH },
            stdio: ['ignore', 'pipe', 'pipe'],
        })
        try {
            let out = ''
            const port = await new Promise<number>((ok, fail) => {
                child.stdout.on('data', (d: Buffer) => {
                    out += d
                    const m = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
                    if (m) ok(Number(m[1]))
                })
                child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)))
            })
            const res = await fetch(`http://127.0.0.1:${port}/sonolus/info`)
            assert.equal(res.status, 200)
            const exit = new Promise<number | null>((ok) => child.on('exit', ok))
            child.kill('SIGTERM')
            assert.equal(await exit, 0)
        } finally {
            child.kill('SIGKILL')
            await rm(dir, { recursive: true, force: true })
        }
    })
})
