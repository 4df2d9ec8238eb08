// Fuzzing every HTTP route the server registers, read from its own route table: malformed, oversized
// and hostile requests (random and truncated JSON, wrong content types, huge bodies, headers and query
// strings, bad and truncated signatures, odd unicode, path traversal, out-of-range numbers,
// prototype-pollution keys), with and without valid sign-ins. Every answer must be below 500 (except
// the documented 503s), carry the documented error shape and no stack trace or internal path; the
// server must answer /healthz and /readyz afterwards, and its heap must stay within a stated bound.
// ENSEMBLE_FUZZ_SEED=<n> replays a run; ENSEMBLE_FUZZ_RUNS=<n> sets the runs per route.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import { startMultiplayerServer, type MultiplayerServer } from '../helpers/multiplayer.js'
import { createAndJoin, makeProfile, otherKeys, sign, type TestProfile } from '../helpers/sonolus.js'
import { validateSonolusAnswer } from '../schema/validate.js'
import { fuzzSeed, hostileJson, hostileJsonText, hostileNumber, hostileString, leaks, settledHeap } from './hostile.js'
import { routeTable, type Route } from './routes.js'

const adminToken = 'fuzz-admin-token-0123456789abcdef'
const metricsToken = 'fuzz-metrics-token-0123456789'
const bodyLimit = 64 * 1024
/** Heap the whole run may leave behind after a full collection: sessions, rooms and users it created. */
const heapBoundBytes = 48 * 1024 * 1024
/** Request line and headers the fetch-driven fuzz stays under (Node's limit is 16 KiB). */
const maxHeaderBytes = 14 * 1024
const runsPerRoute = Number(process.env.ENSEMBLE_FUZZ_RUNS ?? 16)
const seed = fuzzSeed()

let server: MultiplayerServer
let routes: Route[]
/** Known-good values the fuzzer mixes with hostile ones, so requests also get past the first checks. */
const known = {
    session: '',
    apiToken: '',
    apiTokenId: '',
    profile: undefined as unknown as TestProfile,
    rooms: [] as string[],
    loginId: '',
}

before(async () => {
    // Short request timeouts: the truncated bodies of the raw test end in one instead of hanging.
    server = await startMultiplayerServer({ adminToken, metricsToken, bodyLimit, requestTimeoutMs: 3000, headersTimeoutMs: 3000 })
    routes = routeTable(server.app.fastify)
    const created = await createAndJoin(server)
    known.session = created.session
    known.profile = created.profile
    known.rooms.push(created.name)
    const token = await server.request('POST', '/api/tokens', { headers: { authorization: `Bearer ${created.session}` }, body: { name: 'fuzz' } })
    assert.equal(token.status, 201, token.text)
    known.apiToken = token.body.token
    known.apiTokenId = String(token.body.id)
    const login = await server.request('POST', '/web/logins', { headers: { 'x-ensemble-csrf': '1' } })
    assert.equal(login.status, 200, login.text)
    known.loginId = login.body.id
})
after(() => server?.close())

type Plan = {
    /** Bodies of the right shape with hostile fields (JSON-encoded by the fuzzer), for routes that read one. */
    body?: fc.Arbitrary<unknown>
    /** The route checks a Sonolus-Signature over its body: some requests get a valid one. */
    signed?: 'authenticate' | 'join' | 'external'
    /** Documented 503 (readiness; the web sign-in's cap). */
    may503?: boolean
}

const text = () => fc.oneof(fc.string({ maxLength: 30 }), hostileString())
const field = () => fc.oneof(text(), hostileJson())
const profile = (): fc.Arbitrary<unknown> =>
    fc
        .record(
            {
                id: field(),
                handle: field(),
                name: field(),
                avatarType: field(),
                aboutMe: field(),
                favorites: field(),
                extra: fc.constantFrom('__proto__', 'constructor', 'x'),
            },
            { requiredKeys: ['extra'] },
        )
        .map(({ extra, ...fields }) => ({ ...makeProfile('Fuzz'), ...fields, [extra ?? 'x']: { polluted: true } }))
/** Mostly the right value, so that a request often has one field wrong at a time, not all of them. */
const mostly = <T>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: right }, { weight: 1, arbitrary: wrong })
const signedBody = (type: string) =>
    fc.record({
        type: mostly(fc.constant(type), field()),
        address: mostly(fc.constant('__address__'), field()),
        time: mostly(fc.constant('__now__'), fc.oneof(hostileNumber(), field())),
        room: mostly(fc.constant('__room__'), field()),
        userProfile: mostly(fc.oneof(profile(), fc.constant('__profile__')), field()),
    })
const reason = () => fc.oneof(fc.constant(undefined), field())

/** Every route (pattern without the base path) and how to fuzz it; a route missing here fails the test. */
const plans: Record<string, Plan> = {
    'GET /': {},
    'GET /metrics': {},
    'GET /healthz': {},
    'GET /readyz': { may503: true },
    'GET /rooms/:name': {},
    'GET /tokens': {},
    'GET /assets/:file': {},
    'GET /web/me': {},
    'POST /web/logins': { may503: true },
    'POST /web/logins/:id': { body: signedBody('authenticateExternal'), signed: 'external' },
    'GET /web/logins/:id': {},
    'POST /web/logout': {},
    'GET /api/docs': {},
    'GET /api/docs/': {},
    'GET /api/docs/static/index.html': {},
    'GET /api/docs/static/swagger-initializer.js': {},
    'GET /api/docs/*': {},
    'GET /api/docs/json': {},
    'GET /api/docs/yaml': {},
    'GET /api/openapi.json': {},
    'POST /api/tokens': { body: fc.record({ name: field() }, { requiredKeys: [] }) },
    'GET /api/tokens': {},
    'DELETE /api/tokens/:id': {},
    'POST /api/join_room': { body: fc.record({ name: field(), password: field() }, { requiredKeys: [] }) },
    'POST /api/leave_room': { body: fc.record({ name: field() }, { requiredKeys: [] }) },
    'POST /api/rooms': {
        body: fc.record(
            {
                name: field(),
                title: field(),
                password: field(),
                max_players: fc.oneof(hostileNumber(), field()),
                scoring: field(),
                teams: field(),
                allow_other_servers: field(),
            },
            { requiredKeys: [] },
        ),
    },
    'GET /api/rooms': {},
    'GET /api/rooms/:name': {},
    'GET /api/rooms/:name/chat': {},
    'POST /api/rooms/:name/chat': { body: fc.record({ text: field() }, { requiredKeys: [] }) },
    'GET /api/rooms/:name/results': {},
    'GET /api/rooms/:name/scoreboard': {},
    'GET /api/rooms/:name/events': {},
    'GET /api/admin/reports': {},
    'POST /api/admin/reports/:id/resolve': { body: fc.record({ note: reason() }, { requiredKeys: [] }) },
    'POST /api/admin/rooms/:name/close': { body: fc.record({ reason: reason() }, { requiredKeys: [] }) },
    'POST /api/admin/rooms/:name/kick': {
        body: fc.record({ user_id: fc.oneof(fc.constant('__user__'), field()), reason: reason() }, { requiredKeys: [] }),
    },
    'GET /api/admin/bans': {},
    // Bans only made-up users: banning the fuzzer's own user would shut it out of everything else.
    'POST /api/admin/bans': {
        body: fc.record(
            { user_id: field(), duration: fc.oneof(fc.constantFrom('30m', '7d', '0s', '99999y', '-1d', '1e9d'), field()), reason: reason() },
            { requiredKeys: [] },
        ),
    },
    'DELETE /api/admin/bans/:user_id': {},
    'DELETE /api/admin/chat/:id': {},
    'GET /api/admin/audit': {},
    'GET /sonolus/info': {},
    'POST /sonolus/authenticate': { body: signedBody('authenticateServer'), signed: 'authenticate' },
    'GET /sonolus/rooms/info': {},
    'GET /sonolus/rooms/list': {},
    'POST /sonolus/rooms/create': { body: fc.oneof(fc.constant({}), hostileJson()) },
    'POST /sonolus/rooms/:name': { body: signedBody('authenticateMultiplayer'), signed: 'join' },
}

const planKey = (r: Route) => `${r.method} ${r.url.slice(server.config.basePath.length) || '/'}`

test('every route in the route table has a fuzz plan, and every plan a route', () => {
    const served = routes.filter((r) => r.method !== 'HEAD')
    assert.ok(served.length >= 40, `only ${served.length} routes read from the route table: is the parser right?`)
    const keys = new Set(served.map(planKey))
    assert.deepEqual(
        [...keys].filter((k) => !(k in plans)),
        [],
        'routes without a fuzz plan: add them to `plans`',
    )
    assert.deepEqual(
        Object.keys(plans).filter((k) => !keys.has(k)),
        [],
        'plans for routes the server no longer has',
    )
})

type Auth = 'none' | 'session' | 'apiToken' | 'admin' | 'metrics' | 'garbage' | 'huge' | 'bareSession' | 'cookie'
type Sig = 'valid' | 'truncated' | 'garbage' | 'otherKey' | 'none' | 'empty'
type BodyKind =
    { kind: 'none' } | { kind: 'plan'; value: unknown } | { kind: 'text'; text: string } | { kind: 'huge' } | { kind: 'bytes'; bytes: Uint8Array }
type Req = {
    method: string
    params: string[]
    query: [string, string][]
    auth: Auth
    sig: Sig
    contentType: string | undefined
    extraHeaders: [string, string][]
    body: BodyKind
}

/** Percent-encoding that survives lone surrogates (sent as U+FFFD, as a browser would). */
const enc = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'))

// Path parameter values: known ones (so handlers run), hostile ones, and percent-escapes that do not decode.
const paramValue = (name: string): fc.Arbitrary<string> => {
    const knownValues = (): string[] => {
        if (name === 'name') return known.rooms
        if (name === 'id') return [known.apiTokenId, known.loginId, '1', '0', '-1', '99999999999999999999']
        if (name === 'user_id') return [known.profile.id]
        if (name === 'file') return ['index.js', 'index.css', 'app.js', 'style.css']
        return []
    }
    return fc.oneof(
        {
            weight: 3,
            arbitrary: fc
                .constant(null)
                .chain(() => (knownValues().length ? fc.constantFrom(...knownValues()) : hostileString()))
                .map(enc),
        },
        { weight: 3, arbitrary: hostileString().map((s) => enc(s.slice(0, 3000)) || 'x') },
        {
            weight: 1,
            arbitrary: fc.constantFrom(
                '%',
                '%zz',
                '%E0%A4%A',
                '%C0%AF',
                '%00',
                '..',
                '.',
                '%2e%2e%2f%2e%2e%2fpackage.json',
                '..%5c..%5cpackage.json',
                '%F0%9F',
                '%uD800',
            ),
        },
    )
}
const queryKey = fc.oneof(
    fc.constantFrom(
        'localization',
        'page',
        'keywords',
        'type',
        'status',
        'limit',
        'cursor',
        'before',
        'free_seats',
        'reason',
        'password',
        'since',
        'last_event_id',
    ),
    fc.constantFrom('__proto__', 'constructor', '__proto__[polluted]', 'constructor[prototype][polluted]', 'a[b][c]', ''),
    fc.string({ maxLength: 10 }),
)
const queryValue = fc.oneof(
    hostileString().map((s) => s.slice(0, 3000)),
    hostileNumber().map(String),
    fc.constantFrom('en', 'ja', 'zh-cn', 'xx', '1', 'true', 'open', 'all'),
)
const asciiHeaderValue = fc.oneof(
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }),
    fc.integer({ min: 1, max: 12_000 }).map((n) => 'h'.repeat(n)),
)

const requestFor = (route: Route, plan: Plan): fc.Arbitrary<Req> => {
    const paramCount = (route.url.match(/:[a-z_]+|\*/g) ?? []).length
    const paramNames = (route.url.match(/:([a-z_]+)|\*/g) ?? []).map((p) => p.replace(':', ''))
    const canHaveBody = route.method !== 'GET' && route.method !== 'HEAD'
    const bodies: fc.Arbitrary<BodyKind>[] = [
        fc.constant({ kind: 'none' } as const),
        hostileJsonText().map((text) => ({ kind: 'text', text }) as const),
        fc.constant({ kind: 'huge' } as const),
        fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ kind: 'bytes', bytes }) as const),
    ]
    // Bodies of the route's own shape weigh most: they get past the parser to the handler.
    if (plan.body) for (let i = 0; i < 5; i++) bodies.push(plan.body.map((value) => ({ kind: 'plan', value }) as const))
    return fc.record({
        method: fc.oneof(
            { weight: 9, arbitrary: fc.constant(route.method) },
            { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
        ),
        params: paramCount ? fc.tuple(...paramNames.map(paramValue)) : fc.constant([]),
        query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }),
        auth: fc.constantFrom<Auth>('none', 'session', 'apiToken', 'admin', 'metrics', 'garbage', 'huge', 'bareSession', 'cookie'),
        sig: fc.oneof(
            { weight: 6, arbitrary: fc.constant<Sig>('valid') },
            { weight: 5, arbitrary: fc.constantFrom<Sig>('truncated', 'garbage', 'otherKey', 'none', 'empty') },
        ),
        contentType: fc.oneof(
            { weight: 8, arbitrary: fc.constant('application/json') },
            { weight: 1, arbitrary: fc.constant(undefined) },
            {
                weight: 2,
                arbitrary: fc.constantFrom(
                    'text/plain',
                    'application/x-www-form-urlencoded',
                    'multipart/form-data; boundary=xyz',
                    'application/json; charset=utf-16',
                    'application/json; charset=latin1',
                    'application/octet-stream',
                    'application/jsonx',
                    'application/vnd.api+json',
                    ';;;',
                    'a'.repeat(2000),
                ),
            },
        ),
        extraHeaders: fc.array(
            fc.tuple(
                fc.constantFrom(
                    'accept-language',
                    'x-forwarded-for',
                    'x-ensemble-csrf',
                    'sonolus-room-key',
                    'sonolus-session',
                    'origin',
                    'if-none-match',
                    'last-event-id',
                    'x-request-id',
                    'x-big',
                ),
                asciiHeaderValue,
            ),
            { maxLength: 3 },
        ),
        body: canHaveBody ? fc.oneof(...bodies) : fc.constant({ kind: 'none' } as const),
    })
}

/** Fills the placeholders of a plan body with live values, so signed requests can pass every check but one. */
const fill = (value: unknown, room: string): unknown => {
    if (value === '__address__') return server.config.address
    if (value === '__now__') return server.clock.now()
    if (value === '__room__') return room
    if (value === '__user__') return known.profile.id
    if (value === '__profile__') return known.profile
    if (Array.isArray(value)) return value.map((v) => fill(v, room))
    if (value && typeof value === 'object') {
        const out: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(value))
            Object.defineProperty(out, k, { value: fill(v, room), enumerable: true, writable: true, configurable: true })
        return out
    }
    return value
}

type Answer = { status: number; contentType: string; text: string; url: string }

async function send(route: Route, plan: Plan, req: Req): Promise<Answer> {
    let i = 0
    const path = route.url.replace(/:[a-z_]+|\*/g, () => req.params[i++] ?? 'x')
    let query = req.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
    const headers: Record<string, string> = {}
    switch (req.auth) {
        case 'session':
            headers.authorization = `Bearer ${known.session}`
            headers['sonolus-session'] = known.session
            break
        case 'bareSession':
            headers.authorization = known.session
            break
        case 'apiToken':
            headers.authorization = `Bearer ${known.apiToken}`
            break
        case 'admin':
            headers.authorization = `Bearer ${adminToken}`
            break
        case 'metrics':
            headers.authorization = `Bearer ${metricsToken}`
            break
        case 'garbage':
            headers.authorization = 'Bearer ../../etc/passwd'
            headers['sonolus-session'] = 'not-a-session'
            break
        case 'huge':
            headers.authorization = `Bearer ${'t'.repeat(8000)}`
            break
        case 'cookie':
            headers.cookie = 'ensemble_session=%E0%A4%A; ensemble_login=a.b.c; __proto__=x'
            break
    }
    for (const [k, v] of req.extraHeaders) headers[k] = v
    // Past Node's 16 KiB header limit the server answers 431 and drops the connection while fetch is still
    // writing, which fetch reports as its own failure: that case is sent raw in its own test instead.
    const headerBytes = () => path.length + query.length + Object.entries(headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0)
    for (const [k] of req.extraHeaders) if (headerBytes() > maxHeaderBytes) delete headers[k]
    if (headerBytes() > maxHeaderBytes) query = query.slice(0, Math.max(0, query.length - (headerBytes() - maxHeaderBytes)))
    if (headerBytes() > maxHeaderBytes) headers.authorization &&= headers.authorization.slice(0, 100)
    const url = `${server.origin}${path}${query ? `?${query}` : ''}`
    let body: string | Buffer | undefined
    const room = req.params.length && route.url.includes(':name') ? decodeSafe(req.params[0]!) : (known.rooms[0] ?? '')
    switch (req.body.kind) {
        case 'plan':
            body = JSON.stringify(fill(req.body.value, plan.signed === 'join' ? room : known.rooms[0]!)) ?? 'null'
            break
        case 'text':
            body = req.body.text
            break
        case 'huge':
            body = JSON.stringify({ name: 'n'.repeat(bodyLimit + 10) })
            break
        case 'bytes':
            body = Buffer.from(req.body.bytes)
            break
    }
    if (req.method === 'GET' || req.method === 'HEAD') body = undefined
    if (body !== undefined && req.contentType !== undefined) headers['content-type'] = req.contentType
    if (plan.signed && body !== undefined) {
        const valid = sign(body)
        const signature = {
            valid,
            truncated: valid.slice(0, 20),
            garbage: '!!notbase64!!',
            otherKey: sign(body, otherKeys().privateKey),
            none: undefined,
            empty: '',
        }[req.sig]
        if (signature !== undefined) headers['sonolus-signature'] = signature
    }
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(), 10_000)
    try {
        const res = await fetch(url, { method: req.method, headers, body, signal: abort.signal, redirect: 'manual' }).catch((error: Error) => {
            throw new Error(`no answer to ${req.method} ${url.slice(0, 200)}: ${error.message} (${String((error as { cause?: unknown }).cause)})`)
        })
        const contentType = res.headers.get('content-type') ?? ''
        let text = ''
        if (res.body) {
            // An event stream never ends: its first chunk is enough to check.
            const reader = res.body.getReader()
            const decoder = new TextDecoder()
            for (;;) {
                const { done, value } = await reader.read()
                if (done) break
                text += decoder.decode(value, { stream: true })
                if (contentType.startsWith('text/event-stream') || text.length > 4 * 1024 * 1024) {
                    await reader.cancel()
                    break
                }
            }
        }
        return { status: res.status, contentType, text, url }
    } finally {
        clearTimeout(timer)
    }
}

const decodeSafe = (s: string) => {
    try {
        return decodeURIComponent(s)
    } catch {
        return s
    }
}

/** Problems of one answer, or null. */
function judge(route: Route, plan: Plan, req: Req, answer: Answer): string | null {
    const { status, text, contentType } = answer
    if (status >= 500 && !(status === 503 && plan.may503)) return `status ${status}`
    const isError = status >= 400
    // Static files (the page's script, the API docs' bundle) are code: only their error answers are read for stack traces.
    const isJson = contentType.includes('json')
    if (isError || isJson) {
        const leak = leaks(text, [server.dataDir, process.cwd()])
        if (leak) return `body shows ${leak}`
    } else if (text.includes(server.dataDir)) return 'body shows the data directory'
    if (req.method === 'HEAD') return null
    const local = new URL(answer.url).pathname.slice(server.config.basePath.length)
    if (local.startsWith('/sonolus/')) {
        const problem = validateSonolusAnswer(req.method, local, status, text)
        if (problem) return problem
        return null
    }
    if (!isError) return null
    // Node answers an oversized header block itself, before any route (431, no body).
    if (status === 431) return null
    if (local.startsWith('/assets/') && status === 404 && text === 'Not found') return null
    let parsed: unknown
    try {
        parsed = JSON.parse(text)
    } catch {
        return `error body is not JSON: ${JSON.stringify(text.slice(0, 200))}`
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `error body is not an object: ${text.slice(0, 200)}`
    const body = parsed as Record<string, unknown>
    if (local.startsWith('/api/')) {
        // REST errors are { error: <text> }, whatever went wrong.
        if (typeof body.error === 'string' && body.error) return null
        return `REST error body is not { error }: ${text.slice(0, 200)}`
    }
    if (typeof body.error === 'string' || typeof body.message === 'string') return null
    return `error body has neither error nor message: ${text.slice(0, 200)}`
}

const validSigned = (route: Route, plan: Plan): Req => ({
    method: route.method,
    params: route.url.includes(':name') ? [known.rooms[0]!] : route.url.includes(':id') ? [known.loginId] : [],
    query: [],
    auth: 'session',
    sig: 'valid',
    contentType: 'application/json',
    extraHeaders: [],
    body: {
        kind: 'plan',
        value: {
            type: { authenticate: 'authenticateServer', join: 'authenticateMultiplayer', external: 'authenticateExternal' }[plan.signed!],
            address: '__address__',
            time: '__now__',
            room: '__room__',
            userProfile: '__profile__',
        },
    },
})

const statusesSeen = new Map<string, Map<number, number>>()

test('hostile requests to every route: no 5xx, documented error shapes, no stack trace, memory bounded', { timeout: 120_000 }, async () => {
    console.log(`fuzz seed ${seed} (replay: ENSEMBLE_FUZZ_SEED=${seed}), ${runsPerRoute} runs per route`)
    // Warm-up: the first requests compile schemas and fill caches that are not growth.
    for (let i = 0; i < 3; i++)
        for (const route of routes.filter((r) => r.method === 'GET'))
            await fetch(server.origin + route.url.replace(/:[a-z_]+|\*/g, 'x')).then((r) => r.arrayBuffer())
    const heapBefore = await settledHeap()
    let requests = 0
    const started = Date.now()
    for (const route of routes) {
        const plan = plans[planKey(route)] ?? plans[`GET ${planKey(route).slice(5)}`]
        assert.ok(plan, `no plan for ${planKey(route)}`)
        // The moderation routes may have closed the known rooms by now: joins get a fresh one.
        if (plan.signed === 'join') known.rooms.unshift((await createAndJoin(server)).name)
        const seen = new Map<number, number>()
        statusesSeen.set(`${route.method} ${route.url}`, seen)
        await fc.assert(
            fc.asyncProperty(requestFor(route, plan), async (req) => {
                const answer = await send(route, plan, req)
                requests++
                seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1)
                const problem = judge(route, plan, req, answer)
                if (problem) throw new Error(`${req.method} ${answer.url.slice(0, 300)} (${route.method} ${route.url}): ${problem}`)
            }),
            {
                seed,
                numRuns: route.method === 'HEAD' ? Math.ceil(runsPerRoute / 4) : runsPerRoute,
                endOnFailure: true,
                includeErrorInReport: true,
                // A signed route also gets one request that is right in every way, so the check below
                // proves the fuzzer's signing works and its one-wrong-field variants reach the handler.
                examples: plan.signed && route.method === 'POST' ? [[validSigned(route, plan)]] : [],
            },
        )
    }
    const elapsed = Date.now() - started
    for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(server.origin + path)
        assert.equal(res.status, 200, `${path} after the fuzz: ${res.status} ${await res.text()}`)
    }
    const heapAfter = await settledHeap()
    const growth = heapAfter - heapBefore
    const summary = [...statusesSeen].map(([r, s]) => `${r} ${[...s].map(([st, n]) => `${st}×${n}`).join(',')}`).join('\n  ')
    console.log(
        `${requests} hostile requests to ${routes.length} routes in ${elapsed} ms; heap ${mib(heapBefore)} → ${mib(heapAfter)} MiB (bound +${mib(heapBoundBytes)} MiB)\n  ${summary}`,
    )
    assert.ok(growth < heapBoundBytes, `heap grew by ${mib(growth)} MiB over ${requests} requests (bound ${mib(heapBoundBytes)} MiB)`)
    // The fuzzer must reach handlers, not only the first refusal: some answers per family must be 2xx.
    const ok = [...statusesSeen].filter(([, s]) => [...s.keys()].some((st) => st < 300)).map(([r]) => r)
    for (const family of ['/sonolus/authenticate', '/sonolus/rooms/:name']) {
        assert.ok(
            ok.some((r) => r.endsWith(` ${server.config.basePath}${family}`)),
            `no request to ${family} succeeded: the fuzzer never got past its checks`,
        )
    }
})

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

/** One request written byte for byte on its own connection; the status line and body the server sent back. */
function raw(request: string): Promise<{ status: number; text: string }> {
    const { port } = new URL(server.origin)
    return new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1')
        let data = ''
        socket.setEncoding('latin1')
        socket.on('data', (chunk: string) => (data += chunk))
        socket.on('error', reject)
        socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(request.slice(0, 100))}`)))
        socket.on('close', () => {
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)
            resolve({ status, text: data.slice(data.indexOf('\r\n\r\n') + 4) })
        })
        socket.write(request)
    })
}

test('requests fetch cannot send: traversal in the raw path, malformed request lines and framing', async () => {
    const requests = [
        'GET /assets/../../package.json HTTP/1.1',
        'GET /assets/..%2f..%2fpackage.json HTTP/1.1',
        'GET /assets/%2e%2e/%2e%2e/package.json HTTP/1.1',
        'GET /assets/..\\..\\package.json HTTP/1.1',
        'GET /../../../../etc/passwd HTTP/1.1',
        'GET //etc/passwd HTTP/1.1',
        'GET /api/docs/static/../../../../package.json HTTP/1.1',
        'GET /api/docs/static/..%2f..%2f..%2f..%2fpackage.json HTTP/1.1',
        'GET /api/docs/%2e%2e/%2e%2e/%2e%2e/package.json HTTP/1.1',
        'GET http://evil.example/healthz HTTP/1.1',
        'GET * HTTP/1.1',
        'GET /sonolus/rooms/%E0%A4%A HTTP/1.1',
        'GET /rooms/%00 HTTP/1.1',
        `GET /sonolus/info?${'q=1&'.repeat(4000)} HTTP/1.1`,
        'GET /sonolus/info?localization=%E0%A4%A HTTP/1.1',
        'GARBAGE / HTTP/1.1',
        'GET / HTTP/9.9',
        'GET /\u00ff\u00fe HTTP/1.1',
        `GET /sonolus/rooms/list?keywords=${'k'.repeat(40_000)} HTTP/1.1`,
        `GET /api/rooms HTTP/1.1\r\nAuthorization: Bearer ${'t'.repeat(40_000)}`,
        `GET /healthz HTTP/1.1${'\r\nX-Many: 1'.repeat(3000)}`,
    ].map((line) => `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
    const post = (path: string, head: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${head}\r\n${body}`
    requests.push(
        post('/api/rooms', 'Content-Type: application/json\r\nContent-Length: -1\r\n', '{}'),
        post('/api/rooms', 'Content-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n', '{}'),
        post('/api/rooms', 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'),
        post('/api/rooms', 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n', '2\r\n{}\r\n0\r\n\r\n'),
        post('/sonolus/authenticate', 'Content-Type: application/json\r\nContent-Length: 100\r\n', '{"truncated":'),
        post('/sonolus/authenticate', `Content-Type: application/json\r\nContent-Length: ${bodyLimit * 4}\r\n`, ''),
        post(
            '/sonolus/authenticate',
            'Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n',
            '\u001f\u008b\u0008\u0000',
        ),
        post('/sonolus/rooms/create', `Content-Type: application/json\r\nSonolus-Session: ${'\u00e9'.repeat(100)}\r\nContent-Length: 2\r\n`, '{}'),
        post('/web/logins', 'X-Ensemble-Csrf: 1\r\nContent-Type: application/json\r\nContent-Length: 30\r\n', '{"__proto__":{"polluted":1}}  '),
    )
    for (const request of requests) {
        const { status, text } = await raw(request)
        const line = JSON.stringify(request.slice(0, 80))
        // Truncated bodies end in a timeout or a closed connection (status 0 or 408): never a 5xx.
        assert.ok(status < 500, `${line}: ${status} ${text.slice(0, 200)}`)
        assert.equal(leaks(text, [server.dataDir, process.cwd()]), null, `${line}: ${text.slice(0, 300)}`)
        assert.ok(
            !text.includes('"name": "ensemble"') && !text.includes('root:x:0'),
            `${line} served a file outside the assets: ${text.slice(0, 200)}`,
        )
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted')
    assert.equal((await fetch(`${server.origin}/healthz`)).status, 200)
})
