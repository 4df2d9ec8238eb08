// The Sonolus app's side of the HTTP endpoints, written from the custom-server definitions alone (the
// Sonolus-Signature header, POST /sonolus/authenticate, POST /sonolus/rooms/create and POST
// /sonolus/rooms/{name}): a key pair standing in for Sonolus, signed bodies, and every answer checked
// against the official types.
import { generateKeyPairSync, randomBytes, sign, type JsonWebKey, type KeyObject } from 'node:crypto'
import { validateSonolusAnswer } from '../schema/validate.js'

export type Keys = { privateKey: KeyObject; publicJwk: JsonWebKey }

export function makeKeys(): Keys {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) }
}

/** Sonolus-Signature: ECDSA P-256 / SHA-256 over the exact body bytes, base64 of raw r||s. */
export const signBody = (keys: Keys, body: string): string =>
    sign('sha256', Buffer.from(body, 'utf8'), { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64')

/** A ServiceUserProfile as the current app sends it (@sonolus/core 7.15). */
export type Profile = { id: string; handle: string; name: string } & Record<string, unknown>

export const makeProfile = (name: string): Profile => ({
    id: randomBytes(16).toString('hex'),
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
})

export type Answer<T = any> = { status: number; body: T; text: string }

export class SonolusHttp {
    /** Sonolus HTTP answers seen and checked against the official types. */
    answers = 0

    /**
     * `base`: where requests go when that is not the signed address (a cluster node other than the public one).
     * `clock`: the last signed-body time, shared by the apps of one cluster's nodes so that two bodies never repeat.
     */
    constructor(
        readonly address: string,
        readonly keys: Keys,
        readonly base: string = address,
        private readonly clock: { last: number } = { last: 0 },
    ) {}

    /** Any request under the server address; the answer must match its endpoint's official type. */
    async request<T = any>(
        method: string,
        path: string,
        options: { headers?: Record<string, string>; body?: string; query?: Record<string, string> } = {},
    ): Promise<Answer<T>> {
        const url = new URL(this.base + path)
        for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value)
        const headers = { ...options.headers }
        if (options.body !== undefined) headers['content-type'] = 'application/json'
        const res = await fetch(url, { method, headers, body: options.body })
        const text = await res.text()
        const problem = validateSonolusAnswer(method, path.split('?')[0]!, res.status, text)
        if (problem === undefined) throw new Error(`${path} is not a Sonolus endpoint`)
        if (problem) throw new Error(`answer does not match the Sonolus types: ${problem}`)
        this.answers++
        return { status: res.status, body: JSON.parse(text) as T, text }
    }

    /** A signed-body time no earlier than the last one (two bodies never repeat: the replay guard). */
    private time(): number {
        this.clock.last = Math.max(Date.now(), this.clock.last + 1)
        return this.clock.last
    }

    /** POST /sonolus/authenticate with a signed ServerAuthenticateRequest; returns the session. */
    async signIn(profile: Profile): Promise<string> {
        const body = JSON.stringify({ type: 'authenticateServer', address: this.address, time: this.time(), userProfile: profile })
        const res = await this.request<{ session: string; expiration: number }>('POST', '/sonolus/authenticate', {
            body,
            headers: { 'sonolus-signature': signBody(this.keys, body) },
        })
        if (res.status !== 200) throw new Error(`authenticate: ${res.status} ${res.text}`)
        return res.body.session
    }

    /** POST /sonolus/rooms/create (ServerCreateRoomRequest is `{}`). */
    async createRoom(session: string): Promise<{ name: string; key: string }> {
        const res = await this.request('POST', '/sonolus/rooms/create', { body: '{}', headers: { 'sonolus-session': session } })
        if (res.status !== 200) throw new Error(`create: ${res.status} ${res.text}`)
        return res.body
    }

    /**
     * POST /sonolus/rooms/{name} with a signed ServerJoinRoomRequest; the creator brings Sonolus-Room-Key
     * and the create form's values as query parameters. Returns the ServerJoinRoomResponse.
     */
    async joinRoom(
        name: string,
        profile: Profile,
        options: { session?: string; key?: string; query?: Record<string, string> } = {},
    ): Promise<{ url: string; type: 'round'; session: string; body: string }> {
        const body = JSON.stringify({ type: 'authenticateMultiplayer', address: this.address, room: name, time: this.time(), userProfile: profile })
        const headers: Record<string, string> = { 'sonolus-signature': signBody(this.keys, body) }
        if (options.session) headers['sonolus-session'] = options.session
        if (options.key) headers['sonolus-room-key'] = options.key
        const res = await this.request('POST', `/sonolus/rooms/${encodeURIComponent(name)}`, { body, headers, query: options.query })
        if (res.status !== 200) throw new Error(`join ${name}: ${res.status} ${res.text}`)
        return { ...res.body, body }
    }
}
