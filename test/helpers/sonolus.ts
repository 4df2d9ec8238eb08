// The usual Sonolus request flows of the tests, signed with the test key: authenticate, create a room,
// join it.
import type { ServerJoinRoomResponse } from '@sonolus/core'
import { makeProfile, type TestProfile } from './profiles.js'
import type { TestResponse, TestServer } from './server.js'
import { sign } from './signing.js'

// Signing and profiles live in their own modules; re-exported because most request tests want all three.
export { makeProfile, type TestProfile } from './profiles.js'
export { otherKeys, sign, testKeys, type TestKeys } from './signing.js'

/** The body of POST /sonolus/authenticate, as JSON text. */
export function authenticateBody(server: TestServer, profile: TestProfile, overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({
        type: 'authenticateServer',
        address: server.config.address,
        time: server.clock.now(),
        userProfile: profile,
        ...overrides,
    })
}

/** The body of POST /sonolus/rooms/{room}, as JSON text. */
export function joinBody(server: TestServer, room: string, profile: TestProfile, overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({
        type: 'authenticateMultiplayer',
        address: server.config.address,
        room,
        time: server.clock.now(),
        userProfile: profile,
        ...overrides,
    })
}

/** POSTs a body signed with the test key (or `signature`, or no header when null). */
export function postSigned(
    server: TestServer,
    path: string,
    body: string,
    options: { signature?: string | null; headers?: Record<string, string>; query?: Record<string, string | number | boolean> } = {},
): Promise<TestResponse> {
    const signature = options.signature === undefined ? sign(body) : options.signature
    const headers: Record<string, string> = { ...options.headers }
    if (signature !== null) headers['sonolus-signature'] = signature
    return server.request('POST', path, { body, headers, query: options.query })
}

export type SignedIn = { profile: TestProfile; session: string; expiration: number }

/** Signs in through POST /sonolus/authenticate; throws unless 200. */
export async function signedAuthenticate(server: TestServer, profile: TestProfile = makeProfile()): Promise<SignedIn> {
    const res = await postSigned(server, '/sonolus/authenticate', authenticateBody(server, profile))
    if (res.status !== 200) throw new Error(`authenticate: ${res.status} ${res.text}`)
    return { profile, session: res.body.session, expiration: res.body.expiration }
}

/** POST /sonolus/rooms/create with a session; throws unless 200. */
export async function createRoom(server: TestServer, session: string): Promise<{ name: string; key: string }> {
    const res = await server.request('POST', '/sonolus/rooms/create', { headers: { 'sonolus-session': session }, body: {} })
    if (res.status !== 200) throw new Error(`create: ${res.status} ${res.text}`)
    return res.body
}

export type JoinOptions = {
    session?: string
    key?: string
    /** Create parameters (with the key) and/or localization. */
    query?: Record<string, string | number | boolean>
}

/** POST /sonolus/rooms/{name} with a freshly signed body; returns the raw response. */
export function joinRoom(server: TestServer, name: string, profile: TestProfile, options: JoinOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = {}
    if (options.session) headers['sonolus-session'] = options.session
    if (options.key) headers['sonolus-room-key'] = options.key
    return postSigned(server, `/sonolus/rooms/${encodeURIComponent(name)}`, joinBody(server, name, profile), { headers, query: options.query })
}

/** joinRoom, throwing unless 200; returns the join answer. */
export async function join(server: TestServer, name: string, profile: TestProfile, options: JoinOptions = {}): Promise<ServerJoinRoomResponse> {
    const res = await joinRoom(server, name, profile, options)
    if (res.status !== 200) throw new Error(`join ${name}: ${res.status} ${res.text}`)
    return res.body
}

export type CreatedRoom = SignedIn & { name: string; key: string; answer: ServerJoinRoomResponse }

/** Signs in a creator, creates a room with `params` (create parameters) and joins it with the key. */
export async function createAndJoin(
    server: TestServer,
    options: { profile?: TestProfile; params?: Record<string, string | number | boolean> } = {},
): Promise<CreatedRoom> {
    const signedIn = await signedAuthenticate(server, options.profile ?? makeProfile('Creator'))
    const { name, key } = await createRoom(server, signedIn.session)
    const answer = await join(server, name, signedIn.profile, { session: signedIn.session, key, query: options.params })
    return { ...signedIn, name, key, answer }
}
