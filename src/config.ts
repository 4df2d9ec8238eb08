// The one reader of process.env and argv: environment variables and equivalent CLI flags become one typed,
// validated Config. Every variable is declared once in `settings`, which also drives --help and the README.
import { signaturePublicKeyJWK } from '@sonolus/core'
import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { defaultScryptN } from './rooms/passwords.js'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export type DatabaseConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

export type Config = {
    port: number
    host: string
    /** Public address players type into Sonolus (scheme, host, optional path; no trailing slash). */
    address: string
    /** Path prefix the server itself serves under ('' or '/something'); see README "Reverse proxy". */
    basePath: string
    dataDir: string
    database: DatabaseConfig
    /** redis:// URL: multi-node mode (src/cluster/redis.ts); null: one node. */
    redisUrl: string | null
    /** This node's own public base URL (ENSEMBLE_NODE_URL): join answers to rooms hosted here use it; null: the address. */
    nodeUrl: string | null
    /** JWK of the key that signs Sonolus bodies. */
    signaturePublicKey: JsonWebKey
    /** True when ENSEMBLE_SIGNATURE_PUBLIC_KEY replaced the official key (tests, development). */
    signatureKeyOverridden: boolean
    title: string
    /** null: the localized default description. */
    description: string | null
    bannerFile: string | null
    logLevel: LogLevel
    trustProxy: boolean

    sessionTtlMs: number
    /** Lifetime of a web page session (sign-in with Sonolus, an HttpOnly cookie). */
    webSessionTtlMs: number
    joinSessionTtlMs: number
    reservationTtlMs: number
    timeWindowMs: number
    timeFutureToleranceMs: number
    bodyLimit: number
    unlockTtlMs: number
    passwordAttemptsPerUser: number
    passwordAttemptsPerRoom: number
    passwordAttemptWindowMs: number
    /** scrypt cost N of new room password hashes (a power of two; r = 8, p = 1). */
    passwordScryptN: number
    /** Password checks (scrypt) running at once on the server, and how many more may wait. */
    passwordChecks: number
    passwordCheckQueue: number
    roomCreatesPerMinute: number
    /** Open rooms one player may have (their live reservations count too when they create another). */
    maxRoomsPerPlayer: number
    /** Open rooms on the server. */
    maxRooms: number

    wsMaxPayload: number
    heartbeatIntervalMs: number
    reconnectGraceMs: number
    emptyRoomIdleMs: number
    maxBufferedBytes: number
    kickBanMs: number
    maxPlayersLimit: number
    defaultMaxPlayers: number
    /** Threads verifying Sonolus-Signature off the event loop (0: on the event loop). */
    verifierThreads: number

    /** Longest time to receive a whole request (headers and body); also a socket's longest silence mid-request. */
    requestTimeoutMs: number
    /** Longest time to receive a request's headers (at most requestTimeoutMs). */
    headersTimeoutMs: number
    /** How long an idle keep-alive connection stays open between requests. */
    keepAliveTimeoutMs: number
    /** Concurrent connections one client address may hold (0: no cap); see src/http/connection-cap.ts. */
    maxConnectionsPerIp: number
    /** Addresses the connection cap leaves alone: IPs, or 'loopback' (127.0.0.0/8 and ::1). */
    connectionCapExempt: readonly string[]
    /** Descriptors of the listening socket that accept connections (1: the server's own only); see src/http/listener-copies.ts. */
    acceptDescriptors: number
    /** How long a shutdown lets requests being handled finish before every connection is cut. */
    shutdownTimeoutMs: number

    /** Bearer token /metrics asks for; null: /metrics is open (keep it off the public network then). */
    metricsToken: string | null
    /** Bearer token of the moderation API (/api/admin/...); null: every admin route is refused. */
    adminToken: string | null
    /** One log line per request (the default logs only failed and slow requests). */
    accessLog: boolean
    /** A request slower than this is logged (warn) even when it succeeded. */
    slowRequestMs: number
}

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
        this.name = 'ConfigError'
    }
}

/** Exit code of a start-up refused for bad configuration. */
export const CONFIG_EXIT_CODE = 2

type Kind = 'string' | 'int' | 'duration' | 'bytes' | 'bool'

export type Setting = {
    env: string
    flag: string
    kind: Kind
    /** Default as written in docs; undefined: none. */
    def?: string
    help: string
    min?: number
    max?: number
}

const setting = (env: string, kind: Kind, help: string, def?: string, min?: number, max?: number): Setting => ({
    env,
    flag:
        '--' +
        env
            .replace(/^ENSEMBLE_/, '')
            .toLowerCase()
            .replaceAll('_', '-'),
    kind,
    def,
    help,
    min,
    max,
})

const KiB = 1024
const MiB = 1024 * KiB
const s = 1000
const min = 60 * s
/** The longest a Sonolus session may live (ENSEMBLE_SESSION_TTL): the SQLite sweep counts on it. */
export const maxSessionTtlMs = 30 * min
const h = 60 * min

/** Every configuration variable, in the order of the README table. */
export const settings: readonly Setting[] = [
    setting('ENSEMBLE_PORT', 'int', 'TCP port to listen on.', '3000', 0, 65535),
    setting('ENSEMBLE_HOST', 'string', 'Interface to listen on.', '0.0.0.0'),
    setting(
        'ENSEMBLE_ADDRESS',
        'string',
        'Public address players type into Sonolus (http or https, may contain a path). Signed bodies must name it; the join answer url is built from it.',
        'http://localhost:<port>',
    ),
    setting(
        'ENSEMBLE_BASE_PATH',
        'string',
        'Path prefix the server serves under, for a reverse proxy that forwards the prefix unchanged (e.g. /ensemble). Leave empty when the proxy strips it.',
        '',
    ),
    setting('ENSEMBLE_DATA_DIR', 'string', 'Directory for the SQLite database and other data.', './data'),
    setting(
        'ENSEMBLE_DATABASE_URL',
        'string',
        'Database: a SQLite file path or sqlite: URL (default <data dir>/ensemble.sqlite); or a postgres:// URL (the PostgreSQL store).',
    ),
    setting(
        'ENSEMBLE_REDIS_URL',
        'string',
        'redis:// or rediss:// URL enabling multi-node mode: several Ensemble nodes on one PostgreSQL database share live rooms, counters and delivery through it.',
    ),
    setting(
        'ENSEMBLE_NODE_URL',
        'string',
        "This node's own public base URL (http or https, may contain a path) in multi-node mode: the join answer's url for rooms hosted here. Default: ENSEMBLE_ADDRESS.",
    ),
    setting(
        'ENSEMBLE_SIGNATURE_PUBLIC_KEY',
        'string',
        'JWK JSON of an EC P-256 public key replacing the official Sonolus key. Tests and development only; logged as a warning.',
    ),
    setting('ENSEMBLE_TITLE', 'string', 'Server title shown in Sonolus.', 'Ensemble'),
    setting('ENSEMBLE_DESCRIPTION', 'string', 'Server description shown in Sonolus (default: a localized sentence).'),
    setting('ENSEMBLE_BANNER_FILE', 'string', 'Image file served as the server banner.'),
    setting('ENSEMBLE_LOG_LEVEL', 'string', 'fatal, error, warn, info, debug, trace or silent.', 'info'),
    setting('ENSEMBLE_TRUST_PROXY', 'bool', 'Trust X-Forwarded-* headers (behind a reverse proxy).', 'false'),
    setting('ENSEMBLE_SESSION_TTL', 'duration', 'Lifetime of a Sonolus session (at most 30m).', '30m', s, maxSessionTtlMs),
    setting(
        'ENSEMBLE_WEB_SESSION_TTL',
        'duration',
        'Lifetime of a web page session (sign-in with Sonolus on the web page; an HttpOnly cookie).',
        '168h',
        min,
        30 * 24 * h,
    ),
    setting('ENSEMBLE_JOIN_SESSION_TTL', 'duration', 'Lifetime of a single-use room join session.', '60s', s, 10 * min),
    setting('ENSEMBLE_RESERVATION_TTL', 'duration', 'How long a created room name waits for its creator.', '5m', 10 * s, h),
    setting('ENSEMBLE_TIME_WINDOW', 'duration', 'How old a signed body may be.', '5m', 10 * s, h),
    setting('ENSEMBLE_TIME_FUTURE_TOLERANCE', 'duration', 'How far ahead a signed body time may be.', '10s', 0, 5 * min),
    setting('ENSEMBLE_BODY_LIMIT', 'bytes', 'Largest request body.', '64KiB', KiB, 16 * MiB),
    setting(
        'ENSEMBLE_UNLOCK_TTL',
        'duration',
        'How long a private room stays unlocked for a player who typed its password.',
        '12h',
        min,
        30 * 24 * h,
    ),
    setting('ENSEMBLE_PASSWORD_ATTEMPTS_PER_USER', 'int', 'Wrong room passwords a player may type per window.', '5', 1, 1000),
    setting('ENSEMBLE_PASSWORD_ATTEMPTS_PER_ROOM', 'int', 'Wrong passwords a room accepts per window, all players together.', '20', 1, 10000),
    setting('ENSEMBLE_PASSWORD_ATTEMPT_WINDOW', 'duration', 'Window of the wrong-password limits.', '10m', s, 24 * h),
    setting(
        'ENSEMBLE_PASSWORD_SCRYPT_N',
        'int',
        'scrypt cost N (a power of two) of new room password hashes, with r = 8, p = 1; memory per hash is N KiB. Stored hashes keep their own cost.',
        String(defaultScryptN),
        1024,
        2 ** 20,
    ),
    setting('ENSEMBLE_PASSWORD_CHECKS', 'int', 'Room password checks (scrypt) running at once on the server.', '2', 1, 64),
    setting('ENSEMBLE_PASSWORD_CHECK_QUEUE', 'int', 'Room password checks that may wait for a running slot; more are refused (429).', '16', 0, 10000),
    setting('ENSEMBLE_ROOM_CREATES_PER_MINUTE', 'int', 'Rooms a player may create per minute.', '10', 1, 10000),
    setting('ENSEMBLE_MAX_ROOMS_PER_PLAYER', 'int', 'Open rooms one player may have; rooms reserved and not yet entered count too.', '3', 1, 1000),
    setting('ENSEMBLE_MAX_ROOMS', 'int', 'Open rooms on the server.', '10000', 1, 10_000_000),
    setting('ENSEMBLE_WS_MAX_PAYLOAD', 'bytes', 'Largest WebSocket message.', '64KiB', KiB, 16 * MiB),
    setting('ENSEMBLE_HEARTBEAT_INTERVAL', 'duration', 'WebSocket ping interval.', '30s', s, 10 * min),
    setting('ENSEMBLE_RECONNECT_GRACE', 'duration', 'How long a dropped player keeps their seat.', '60s', 0, h),
    setting('ENSEMBLE_EMPTY_ROOM_IDLE', 'duration', 'How long an empty room stays open.', '5m', 0, 7 * 24 * h),
    setting('ENSEMBLE_MAX_BUFFERED_BYTES', 'bytes', 'Outgoing bytes buffered per socket before it is dropped.', '1MiB', 64 * KiB, 256 * MiB),
    setting('ENSEMBLE_KICK_BAN', 'duration', 'How long a kicked player cannot rejoin.', '10m', 0, 30 * 24 * h),
    setting('ENSEMBLE_MAX_PLAYERS_LIMIT', 'int', 'Largest room a creator may ask for.', '100', 2, 1000),
    setting('ENSEMBLE_DEFAULT_MAX_PLAYERS', 'int', 'Room size when the creator does not choose.', '16', 2, 1000),
    setting(
        'ENSEMBLE_VERIFIER_THREADS',
        'int',
        'Threads that verify signatures beside the event loop; 0 verifies on it (default: one per spare core, at most 4).',
        undefined,
        0,
        64,
    ),
    setting(
        'ENSEMBLE_REQUEST_TIMEOUT',
        'duration',
        'Longest time to receive a whole request; a client that stops sending mid-request is answered 408 and cut off.',
        '30s',
        s,
        10 * min,
    ),
    setting(
        'ENSEMBLE_HEADERS_TIMEOUT',
        'duration',
        'Longest time to receive the headers of a request (at most the request timeout).',
        '10s',
        s,
        10 * min,
    ),
    setting(
        'ENSEMBLE_KEEP_ALIVE_TIMEOUT',
        'duration',
        'How long an idle keep-alive connection stays open (longer than a proxy keeps its idle upstream connections).',
        '72s',
        s,
        h,
    ),
    setting(
        'ENSEMBLE_MAX_CONNECTIONS_PER_IP',
        'int',
        'Concurrent HTTP and WebSocket connections one client address may hold (IPv6: one /64); more are answered 429. Behind a trusted proxy: requests in progress and WebSockets per forwarded address. 0: no cap.',
        '64',
        0,
        1_000_000,
    ),
    setting(
        'ENSEMBLE_CONNECTION_CAP_EXEMPT',
        'string',
        'Client addresses the connection cap does not count, comma-separated IPs; "loopback" is 127.0.0.0/8 and ::1 (a reverse proxy or tools on this machine); "none" counts every address.',
        'loopback',
    ),
    setting(
        'ENSEMBLE_ACCEPT_DESCRIPTORS',
        'int',
        'Descriptors of the listening socket that accept connections (Linux; copies made by a helper process at start). Each event-loop turn accepts one new connection per descriptor, so a burst of joins does not wait in the accept queue. 1: one descriptor, no helper.',
        '4',
        1,
        64,
    ),
    setting(
        'ENSEMBLE_METRICS_TOKEN',
        'string',
        'Bearer token GET /metrics requires (Authorization: Bearer <token>); unset: /metrics is open to anyone who can reach it.',
    ),
    setting(
        'ENSEMBLE_ADMIN_TOKEN',
        'string',
        'Bearer token of the moderation API under /api/admin (at least 16 characters); unset: the moderation API refuses every request.',
    ),
    setting(
        'ENSEMBLE_ACCESS_LOG',
        'bool',
        'Log every request (two lines: received and answered); by default only failed (5xx; 4xx at debug) and slow requests are logged.',
        'false',
    ),
    setting('ENSEMBLE_SLOW_REQUEST', 'duration', 'Requests slower than this are logged at warn even when they succeed.', '1s', 10, 10 * min),
    setting(
        'ENSEMBLE_SHUTDOWN_TIMEOUT',
        'duration',
        'On SIGTERM, how long requests already being handled may finish before every connection is cut.',
        '10s',
        0,
        10 * min,
    ),
]

const logLevels: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** "500ms", "60s", "5m", "2h", "1d"; a bare number is milliseconds. */
export function parseDuration(text: string): number | undefined {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text)
    if (!m) return undefined
    const unit = { ms: 1, s, m: min, h, d: 24 * h }[(m[2] ?? 'ms') as 'ms']
    return Math.round(Number(m[1]) * unit)
}

/** "65536", "64KiB", "64k", "1MiB", "1m" (binary multiples); a bare number is bytes. */
export function parseBytes(text: string): number | undefined {
    const m = /^\s*(\d+)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(text)
    if (!m) return undefined
    const unit = (m[2] ?? 'b').toLowerCase()
    return Number(m[1]) * (unit === 'b' ? 1 : unit.startsWith('k') ? KiB : MiB)
}

/** Reads `--flag value`, `--flag=value`; returns values keyed by env name. */
function readFlags(argv: readonly string[], problems: string[]): { values: Map<string, string>; help: boolean } {
    const byFlag = new Map(settings.map((x) => [x.flag, x]))
    const values = new Map<string, string>()
    let help = false
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i]!
        if (arg === '--help' || arg === '-h') {
            help = true
            continue
        }
        const eq = arg.indexOf('=')
        const flag = eq >= 0 ? arg.slice(0, eq) : arg
        const def = byFlag.get(flag)
        if (!def) {
            problems.push(`unknown argument ${JSON.stringify(arg)} (see --help)`)
            continue
        }
        let value: string | undefined
        if (eq >= 0) value = arg.slice(eq + 1)
        else if (def.kind === 'bool' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) value = 'true'
        else value = argv[++i]
        if (value === undefined) {
            problems.push(`${flag} needs a value`)
            continue
        }
        values.set(def.env, value)
    }
    return { values, help }
}

export function usage(): string {
    const lines = ['Usage: node dist/src/main.js [--flag value]...', '', 'Every flag has an equivalent environment variable; flags win.', '']
    for (const x of settings) {
        lines.push(`  ${x.flag.padEnd(34)} ${x.env}${x.def !== undefined ? ` (default ${x.def || '""'})` : ''}`)
        lines.push(`  ${''.padEnd(34)} ${x.help}`)
    }
    return lines.join('\n')
}

export type LoadConfigInput = {
    env?: Record<string, string | undefined>
    argv?: readonly string[]
    /** Resolves relative paths (data dir, database file). */
    cwd?: string
}

export type LoadedConfig = { config: Config; help: boolean; warnings: string[] }

/**
 * Builds the Config from environment and flags. Throws ConfigError listing every problem at once.
 * Defaults: `loadConfig()` reads process.env and process.argv.
 */
export function loadConfig(input: LoadConfigInput = {}): LoadedConfig {
    const env = input.env ?? process.env
    const argv = input.argv ?? process.argv.slice(2)
    const cwd = input.cwd ?? process.cwd()
    const problems: string[] = []
    const warnings: string[] = []
    const flags = readFlags(argv, problems)

    const raw = (x: Setting): string | undefined => {
        const v = flags.values.get(x.env) ?? env[x.env]
        return v === undefined || v === '' ? undefined : v
    }
    const byEnv = new Map(settings.map((x) => [x.env, x]))
    const get = (name: string): Setting => byEnv.get(name)!
    const describe = (x: Setting) => `${x.env} (${x.flag})`

    const str = (name: string): string | undefined => raw(get(name)) ?? get(name).def
    const num = (name: string): number => {
        const x = get(name)
        const text = raw(x) ?? x.def!
        const value =
            x.kind === 'int' ? (/^\s*\d+\s*$/.test(text) ? Number(text) : undefined) : x.kind === 'duration' ? parseDuration(text) : parseBytes(text)
        const what = { int: 'a whole number', duration: 'a duration such as 500ms, 30s, 5m, 2h', bytes: 'a size such as 65536, 64KiB, 1MiB' }[
            x.kind as 'int'
        ]
        if (value === undefined || !Number.isSafeInteger(value)) {
            problems.push(`${describe(x)} must be ${what}, got ${JSON.stringify(text)}`)
            return Number(x.def === undefined ? 0 : x.kind === 'int' ? x.def : x.kind === 'duration' ? parseDuration(x.def) : parseBytes(x.def))
        }
        if ((x.min !== undefined && value < x.min) || (x.max !== undefined && value > x.max)) {
            problems.push(
                `${describe(x)} must be between ${x.min} and ${x.max}${x.kind === 'int' ? '' : x.kind === 'duration' ? ' ms' : ' bytes'}, got ${JSON.stringify(text)}`,
            )
        }
        return value
    }
    const bool = (name: string): boolean => {
        const x = get(name)
        const text = (raw(x) ?? x.def!).toLowerCase()
        if (['1', 'true', 'yes', 'on'].includes(text)) return true
        if (['0', 'false', 'no', 'off'].includes(text)) return false
        problems.push(`${describe(x)} must be true or false, got ${JSON.stringify(text)}`)
        return false
    }

    const exemptAddresses = (): string[] => {
        const x = get('ENSEMBLE_CONNECTION_CAP_EXEMPT')
        const entries = (raw(x) ?? x.def!)
            .split(',')
            .map((e) => e.trim().toLowerCase())
            .filter(Boolean)
        if (entries.length === 1 && entries[0] === 'none') return []
        const bad = entries.filter((e) => e !== 'loopback' && isIP(e) === 0)
        if (bad.length) problems.push(`${describe(x)} must list IP addresses, "loopback" or "none", got ${JSON.stringify(bad.join(','))}`)
        return entries
    }

    const port = num('ENSEMBLE_PORT')
    const host = str('ENSEMBLE_HOST')!

    let address = raw(get('ENSEMBLE_ADDRESS')) ?? `http://localhost:${port}`
    try {
        address = normalizeAddress(address)
    } catch (e) {
        problems.push(`${describe(get('ENSEMBLE_ADDRESS'))} ${(e as Error).message}, got ${JSON.stringify(address)}`)
    }

    let basePath = str('ENSEMBLE_BASE_PATH') ?? ''
    if (basePath === '/') basePath = ''
    basePath = basePath.replace(/\/+$/, '')
    if (basePath !== '' && !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/.test(basePath)) {
        problems.push(`${describe(get('ENSEMBLE_BASE_PATH'))} must be empty or a path such as /ensemble, got ${JSON.stringify(basePath)}`)
    }

    const dataDir = resolve(cwd, str('ENSEMBLE_DATA_DIR')!)

    let database: DatabaseConfig = { kind: 'sqlite', path: resolve(dataDir, 'ensemble.sqlite') }
    const databaseUrl = raw(get('ENSEMBLE_DATABASE_URL'))
    if (databaseUrl !== undefined) {
        if (/^postgres(ql)?:\/\//i.test(databaseUrl)) database = { kind: 'postgres', url: databaseUrl }
        else if (/^sqlite:/i.test(databaseUrl) || /^file:/i.test(databaseUrl)) {
            const path = databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '')
            if (!path) problems.push(`${describe(get('ENSEMBLE_DATABASE_URL'))} names no file`)
            database = { kind: 'sqlite', path: resolve(cwd, path) }
        } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl)) {
            problems.push(
                `${describe(get('ENSEMBLE_DATABASE_URL'))} must be a SQLite file path, a sqlite: URL or a postgres:// URL, got ${JSON.stringify(databaseUrl)}`,
            )
        } else database = { kind: 'sqlite', path: resolve(cwd, databaseUrl) }
    }

    const redisUrl = raw(get('ENSEMBLE_REDIS_URL')) ?? null
    if (redisUrl !== null) {
        let ok: boolean
        try {
            ok = ['redis:', 'rediss:'].includes(new URL(redisUrl).protocol)
        } catch {
            ok = false
        }
        if (!ok) problems.push(`${describe(get('ENSEMBLE_REDIS_URL'))} must be a redis:// or rediss:// URL`)
        else if (database.kind !== 'postgres')
            problems.push(`${describe(get('ENSEMBLE_REDIS_URL'))} needs a database every node shares: set ENSEMBLE_DATABASE_URL to a postgres:// URL`)
    }
    let nodeUrl: string | null = null
    const nodeUrlText = raw(get('ENSEMBLE_NODE_URL'))
    if (nodeUrlText !== undefined) {
        try {
            nodeUrl = normalizeAddress(nodeUrlText)
        } catch (e) {
            problems.push(`${describe(get('ENSEMBLE_NODE_URL'))} ${(e as Error).message}, got ${JSON.stringify(nodeUrlText)}`)
        }
    }

    let signaturePublicKey: JsonWebKey = signaturePublicKeyJWK as JsonWebKey
    let signatureKeyOverridden = false
    const keyText = raw(get('ENSEMBLE_SIGNATURE_PUBLIC_KEY'))
    if (keyText !== undefined) {
        try {
            const jwk = JSON.parse(keyText) as JsonWebKey
            const key = createPublicKey({ key: jwk, format: 'jwk' })
            if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256')
            signaturePublicKey = jwk
            signatureKeyOverridden = true
            warnings.push(
                'ENSEMBLE_SIGNATURE_PUBLIC_KEY is set: signatures are checked against THIS key, NOT the official Sonolus key. Real Sonolus players cannot sign in. Use for tests and development only.',
            )
        } catch {
            problems.push(`${describe(get('ENSEMBLE_SIGNATURE_PUBLIC_KEY'))} must be the JSON of an EC P-256 public key (JWK)`)
        }
    }

    const title = str('ENSEMBLE_TITLE')!
    if (title.length > 100) problems.push(`${describe(get('ENSEMBLE_TITLE'))} must be at most 100 characters`)
    const description = raw(get('ENSEMBLE_DESCRIPTION')) ?? null
    const bannerFile = raw(get('ENSEMBLE_BANNER_FILE'))
    const logLevel = (str('ENSEMBLE_LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel
    if (!logLevels.includes(logLevel)) problems.push(`${describe(get('ENSEMBLE_LOG_LEVEL'))} must be one of ${logLevels.join(', ')}`)

    const config: Config = {
        port,
        host,
        address,
        basePath,
        dataDir,
        database,
        redisUrl,
        nodeUrl,
        signaturePublicKey,
        signatureKeyOverridden,
        title,
        description,
        bannerFile: bannerFile === undefined ? null : resolve(cwd, bannerFile),
        logLevel,
        trustProxy: bool('ENSEMBLE_TRUST_PROXY'),
        sessionTtlMs: num('ENSEMBLE_SESSION_TTL'),
        webSessionTtlMs: num('ENSEMBLE_WEB_SESSION_TTL'),
        joinSessionTtlMs: num('ENSEMBLE_JOIN_SESSION_TTL'),
        reservationTtlMs: num('ENSEMBLE_RESERVATION_TTL'),
        timeWindowMs: num('ENSEMBLE_TIME_WINDOW'),
        timeFutureToleranceMs: num('ENSEMBLE_TIME_FUTURE_TOLERANCE'),
        bodyLimit: num('ENSEMBLE_BODY_LIMIT'),
        unlockTtlMs: num('ENSEMBLE_UNLOCK_TTL'),
        passwordAttemptsPerUser: num('ENSEMBLE_PASSWORD_ATTEMPTS_PER_USER'),
        passwordAttemptsPerRoom: num('ENSEMBLE_PASSWORD_ATTEMPTS_PER_ROOM'),
        passwordAttemptWindowMs: num('ENSEMBLE_PASSWORD_ATTEMPT_WINDOW'),
        passwordScryptN: num('ENSEMBLE_PASSWORD_SCRYPT_N'),
        passwordChecks: num('ENSEMBLE_PASSWORD_CHECKS'),
        passwordCheckQueue: num('ENSEMBLE_PASSWORD_CHECK_QUEUE'),
        roomCreatesPerMinute: num('ENSEMBLE_ROOM_CREATES_PER_MINUTE'),
        maxRoomsPerPlayer: num('ENSEMBLE_MAX_ROOMS_PER_PLAYER'),
        maxRooms: num('ENSEMBLE_MAX_ROOMS'),
        wsMaxPayload: num('ENSEMBLE_WS_MAX_PAYLOAD'),
        heartbeatIntervalMs: num('ENSEMBLE_HEARTBEAT_INTERVAL'),
        reconnectGraceMs: num('ENSEMBLE_RECONNECT_GRACE'),
        emptyRoomIdleMs: num('ENSEMBLE_EMPTY_ROOM_IDLE'),
        maxBufferedBytes: num('ENSEMBLE_MAX_BUFFERED_BYTES'),
        kickBanMs: num('ENSEMBLE_KICK_BAN'),
        maxPlayersLimit: num('ENSEMBLE_MAX_PLAYERS_LIMIT'),
        defaultMaxPlayers: num('ENSEMBLE_DEFAULT_MAX_PLAYERS'),
        verifierThreads: raw(get('ENSEMBLE_VERIFIER_THREADS')) === undefined ? defaultVerifierThreads() : num('ENSEMBLE_VERIFIER_THREADS'),
        requestTimeoutMs: num('ENSEMBLE_REQUEST_TIMEOUT'),
        headersTimeoutMs: num('ENSEMBLE_HEADERS_TIMEOUT'),
        keepAliveTimeoutMs: num('ENSEMBLE_KEEP_ALIVE_TIMEOUT'),
        maxConnectionsPerIp: num('ENSEMBLE_MAX_CONNECTIONS_PER_IP'),
        connectionCapExempt: exemptAddresses(),
        acceptDescriptors: num('ENSEMBLE_ACCEPT_DESCRIPTORS'),
        shutdownTimeoutMs: num('ENSEMBLE_SHUTDOWN_TIMEOUT'),
        metricsToken: raw(get('ENSEMBLE_METRICS_TOKEN')) ?? null,
        adminToken: raw(get('ENSEMBLE_ADMIN_TOKEN')) ?? null,
        accessLog: bool('ENSEMBLE_ACCESS_LOG'),
        slowRequestMs: num('ENSEMBLE_SLOW_REQUEST'),
    }
    if (config.adminToken !== null && config.adminToken.length < 16) {
        problems.push(`ENSEMBLE_ADMIN_TOKEN must be at least 16 characters (a guessable token would hand out moderation)`)
    }
    if ((config.passwordScryptN & (config.passwordScryptN - 1)) !== 0) {
        problems.push(`ENSEMBLE_PASSWORD_SCRYPT_N must be a power of two, got ${config.passwordScryptN}`)
    }
    if (config.defaultMaxPlayers > config.maxPlayersLimit) {
        problems.push(
            `ENSEMBLE_DEFAULT_MAX_PLAYERS (${config.defaultMaxPlayers}) must not exceed ENSEMBLE_MAX_PLAYERS_LIMIT (${config.maxPlayersLimit})`,
        )
    }

    if (config.headersTimeoutMs > config.requestTimeoutMs) {
        problems.push(
            `ENSEMBLE_HEADERS_TIMEOUT (${config.headersTimeoutMs} ms) must not exceed ENSEMBLE_REQUEST_TIMEOUT (${config.requestTimeoutMs} ms)`,
        )
    }

    if (problems.length) throw new ConfigError(problems)
    return { config, help: flags.help, warnings }
}

/**
 * One verifier thread per core the event loop leaves, none on one core. At most 4: a thread checks
 * ~15k signatures a second, more than one event loop serves sign-ins, so more threads would only idle.
 */
export const defaultVerifierThreads = (cores = availableParallelism()): number => Math.min(Math.max(cores - 1, 0), 4)

/**
 * Canonical form of a server address: lower-case scheme and host, default port dropped, no trailing slash,
 * no query or fragment. Used both for the configured address and for the `address` of signed bodies.
 */
export function normalizeAddress(text: string): string {
    let url: URL
    try {
        url = new URL(text.trim())
    } catch {
        throw new Error('must be an absolute http:// or https:// URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must use http:// or https://')
    if (url.search || url.hash || url.username || url.password) throw new Error('must not contain credentials, a query or a fragment')
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}
