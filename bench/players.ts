// Bench players: a signing key the bench server trusts, signed bodies, and joins over real HTTP and
// WebSocket (light clients that count frames; the benchmarks measure the server, not a client model).
import { createPrivateKey, createPublicKey, randomBytes, type JsonWebKey } from 'node:crypto'
import { WebSocket } from 'ws'
import { makeProfile, type TestProfile } from '../test/helpers/profiles.js'
import { makeKeys, sign } from '../test/helpers/signing.js'

// BENCH_PRIVATE_JWK hands one key to every generator process of a run (the server trusts one key).
const privateKey = process.env.BENCH_PRIVATE_JWK
    ? createPrivateKey({ key: JSON.parse(process.env.BENCH_PRIVATE_JWK) as JsonWebKey, format: 'jwk' })
    : makeKeys().privateKey
export const benchJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JsonWebKey
export const benchPrivateJwk = (): JsonWebKey => privateKey.export({ format: 'jwk' }) as JsonWebKey

export type Signed = { body: string; signature: string }

export const signBody = (body: string): Signed => ({ body, signature: sign(body, privateKey) })

export type BenchProfile = TestProfile

/** A current-shape ServiceUserProfile, as the app sends it. */
export const benchProfile = (i: number): BenchProfile =>
    makeProfile(`Bench Player ${i}`, { id: randomBytes(32).toString('hex'), handle: String(100000 + i) })

export const authenticateBody = (address: string, profile: BenchProfile): Signed =>
    signBody(JSON.stringify({ type: 'authenticateServer', address, time: Date.now(), userProfile: profile }))

export const joinBody = (address: string, room: string, profile: BenchProfile): Signed =>
    signBody(JSON.stringify({ type: 'authenticateMultiplayer', address, room, time: Date.now(), userProfile: profile }))

export async function post(url: string, signed: Signed, headers: Record<string, string> = {}): Promise<any> {
    const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'sonolus-signature': signed.signature, ...headers },
        body: signed.body,
    })
    const text = await res.text()
    if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${text}`)
    return JSON.parse(text)
}

export type Answer = { url: string; type: 'round'; session: string }

/**
 * Signs in, reserves a room and joins it as its creator with the given create parameters. `via`: the node
 * the requests go to when it is not the signed address (a cluster).
 */
export async function createRoom(
    address: string,
    profile: BenchProfile,
    params: Record<string, string>,
    via = address,
): Promise<{ name: string; answer: Answer }> {
    const { session } = await post(`${via}/sonolus/authenticate`, authenticateBody(address, profile))
    const { name, key } = await post(`${via}/sonolus/rooms/create`, signBody('{}'), { 'sonolus-session': session })
    const query = new URLSearchParams(params).toString()
    const answer = await post(`${via}/sonolus/rooms/${name}?${query}`, joinBody(address, name, profile), {
        'sonolus-session': session,
        'sonolus-room-key': key,
    })
    return { name, answer }
}

export const joinRoom = (address: string, room: string, profile: BenchProfile, via = address): Promise<Answer> =>
    post(`${via}/sonolus/rooms/${room}`, joinBody(address, room, profile))

export type LightClient = { ws: WebSocket; frames: number; firstFrameAt: Promise<number> }

/** Connects and counts frames; resolves once the first frame (the UpdateEvent) arrived. */
export function connectLight(answer: Answer): Promise<LightClient> {
    return new Promise((resolve, reject) => {
        // A light client never reads a frame's text, so it skips ws's UTF-8 check: the players' process
        // shares the cores with the server, and its own CPU would show as the server's latency.
        const ws = new WebSocket(answer.url, {
            headers: { 'Sonolus-Room-Session': answer.session },
            perMessageDeflate: false,
            skipUTF8Validation: true,
        })
        let first: (at: number) => void
        const client: LightClient = { ws, frames: 0, firstFrameAt: new Promise((r) => (first = r)) }
        ws.on('message', () => {
            if (client.frames++ === 0) {
                first(performance.now())
                resolve(client)
            }
        })
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
        // Kept for the socket's life: an error after the first frame (a reset on an overloaded machine)
        // must not be an uncaught exception of the bench; the server's connection count shows it.
        ws.on('error', reject)
    })
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function pool<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length)
    let next = 0
    await Promise.all(
        Array.from({ length: Math.min(concurrency, items.length) }, async () => {
            while (next < items.length) {
                const index = next++
                results[index] = await task(items[index]!, index)
            }
        }),
    )
    return results
}
