// RoomUsers (the signed join body the server hands to every client) and the checks the Sonolus app runs
// on each one: the signature, the server address, the room and an age of at most 24 hours. The body is
// parsed here, not with the server's parser, so a check cannot share the server's mistakes.
import type { JsonWebKey, KeyObject } from 'node:crypto'
import { createPublicKey } from 'node:crypto'
import type { RoomUser } from '@sonolus/core'
import { makeProfile } from './profiles.js'
import { sign, testKeys, verifySignature } from './signing.js'

/** The address and room RoomUsers are signed for when a test does not say (the in-memory engine's). */
export const DEFAULT_ADDRESS = 'https://ensemble.test'
export const DEFAULT_ROOM = 'room-1'
const DAY = 24 * 60 * 60 * 1000

export type RoomUserSpec = { id: string; handle?: string; name?: string; time: number; room?: string; address?: string }

/** A signed RoomUser as the Sonolus app produces it. */
export function makeRoomUser(spec: RoomUserSpec, privateKey: KeyObject = testKeys().privateKey): RoomUser {
    const userProfile = makeProfile(spec.name ?? spec.id, { id: spec.id, handle: spec.handle ?? spec.id.replace(/\D/g, '') })
    const body = JSON.stringify({
        type: 'authenticateMultiplayer',
        address: spec.address ?? DEFAULT_ADDRESS,
        room: spec.room ?? DEFAULT_ROOM,
        time: spec.time,
        userProfile,
    })
    return { authentication: Buffer.from(body).toString('base64'), signature: sign(body, privateKey) }
}

export type RoomUserCheckOptions = {
    now: () => number
    address?: string
    room?: string
    /** The key the server's RoomUsers must be signed with (the test key by default). */
    publicKey?: KeyObject | JsonWebKey
}

/** The app's checks of a RoomUser: an error text, or null when the app accepts it. */
export function roomUserChecker(options: RoomUserCheckOptions): (user: RoomUser) => string | null {
    const address = options.address ?? DEFAULT_ADDRESS
    const room = options.room ?? DEFAULT_ROOM
    const given = options.publicKey ?? testKeys().publicKey
    const publicKey = 'asymmetricKeyType' in given ? (given as KeyObject) : createPublicKey({ key: given as JsonWebKey, format: 'jwk' })
    // Long property runs see the same users over and over: verifying each signature once keeps them fast.
    const verified = new Map<string, boolean>()
    return (user) => {
        const body = Buffer.from(user.authentication, 'base64')
        const cacheKey = `${user.authentication}|${user.signature}`
        let ok = verified.get(cacheKey)
        if (ok === undefined) verified.set(cacheKey, (ok = verifySignature(body, user.signature, publicKey)))
        if (!ok) return 'signature does not match authentication'
        let parsed: { type?: unknown; address?: unknown; room?: unknown; time?: unknown }
        try {
            parsed = JSON.parse(body.toString()) as typeof parsed
        } catch {
            return 'authentication is not JSON'
        }
        if (parsed === null || typeof parsed !== 'object' || parsed.type !== 'authenticateMultiplayer') return 'not a join body'
        if (parsed.address !== address) return `address ${String(parsed.address)} does not match`
        if (parsed.room !== room) return `room ${String(parsed.room)} does not match`
        if (typeof parsed.time !== 'number' || options.now() - parsed.time > DAY) return 'authentication older than 24 hours'
        return null
    }
}
