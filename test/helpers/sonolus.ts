// Signing like the Sonolus app does, with a key pair made for the tests, and the usual request flows:
// authenticate, create a room, join it.
import type { ServerJoinRoomResponse } from '@sonolus/core'
import { generateKeyPairSync, randomUUID, sign as cryptoSign, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { TestResponse, TestServer } from './server.js'

export type TestKeys = { privateKey: KeyObject; publicJwk: JsonWebKey }

const makeKeys = (): TestKeys => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) }
}

let keys: TestKeys | undefined
let other: TestKeys | undefined
/** The key pair test servers trust (one per process). */
export const testKeys = (): TestKeys => (keys ??= makeKeys())
/** A key pair no test server trusts. */
export const otherKeys = (): TestKeys => (other ??= makeKeys())

/** Sonolus-Signature of `body`: ECDSA P-256 / SHA-256, base64 of raw r||s. */
export function sign(body: string | Buffer, privateKey: KeyObject = testKeys().privateKey): string {
    return cryptoSign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64')
}

export type TestProfile = { id: string; handle: string; name: string } & Record<string, unknown>

/** A current-shape ServiceUserProfile (@sonolus/core 7.15). */
export function makeProfile(name = 'Player', extra: Record<string, unknown> = {}): TestProfile {
    return {
        id: randomUUID().replaceAll('-', ''),
        handle: String(1000 + Math.floor(Math.random() * 9000)),
        name,
        avatarType: 'default',
        avatarForegroundType: 'player',
        avatarForegroundColor: '#ffffffff',
        avatarBackgroundType: 'default',
        avatarBackgroundColor: '#000020ff',
        bannerType: 'none',
        aboutMe: '',
        favorites: [],
        ...extra,
    }
}

/** The body of POST /sonolus/authenticate, as JSON text. */
export function authenticateBody(server: TestServer, profile: TestProfile, overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({ type: 'authenticateServer', address: server.config.address, time: server.clock.now(), userProfile: profile, ...overrides })
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
