// Reading a RoomUser (https://wiki.sonolus.com/round-multiplayer-server-specs/misc/room-user):
// `authentication` is the base64 of the
// signed `authenticateMultiplayer` join body. The engine only parses it; checking the signature is the
// caller's job (the runtime did it on join, the client model gets a `verifyUser`).
import type { RoomUser } from '@sonolus/core'
import { FatalEventError } from './errors.js'

export type RoomUserInfo = {
    id: string
    handle: string
    name: string
    address: string
    room: string
    time: number
}

const MAX_AUTHENTICATION_LENGTH = 64 * 1024

// Hot path: every users-keyed check reads an id. RoomUser objects are kept as they are, so a WeakMap
// on the object makes repeated reads free.
const cache = new WeakMap<RoomUser, RoomUserInfo | null>()

/** The parsed join body of a RoomUser, or null when it is not a well-formed one. */
export function roomUserInfo(user: RoomUser): RoomUserInfo | null {
    if (typeof user !== 'object' || user === null) return null
    const cached = cache.get(user)
    if (cached !== undefined) return cached
    const info = parse(user)
    cache.set(user, info)
    return info
}

/** The user id of a RoomUser; throws FatalEventError when its authentication is not a join body. */
export function userIdOf(user: RoomUser): string {
    const info = roomUserInfo(user)
    if (!info) throw new FatalEventError('RoomUser authentication is not a valid join body')
    return info.id
}

/** Builds the `authentication` string of a join body (tests and tools). */
export function encodeAuthentication(body: unknown): string {
    return Buffer.from(JSON.stringify(body), 'utf8').toString('base64')
}

function parse(user: RoomUser): RoomUserInfo | null {
    const { authentication, signature } = user
    if (typeof authentication !== 'string' || typeof signature !== 'string') return null
    if (authentication.length === 0 || authentication.length > MAX_AUTHENTICATION_LENGTH) return null
    let body: unknown
    try {
        body = JSON.parse(Buffer.from(authentication, 'base64').toString('utf8'))
    } catch {
        return null
    }
    if (typeof body !== 'object' || body === null) return null
    const b = body as Record<string, unknown>
    if (b.type !== 'authenticateMultiplayer') return null
    if (typeof b.address !== 'string' || typeof b.room !== 'string') return null
    if (typeof b.time !== 'number' || !Number.isFinite(b.time)) return null
    const profile = b.userProfile
    if (typeof profile !== 'object' || profile === null) return null
    const p = profile as Record<string, unknown>
    if (typeof p.id !== 'string' || p.id.length === 0) return null
    return {
        id: p.id,
        handle: typeof p.handle === 'string' ? p.handle : '',
        name: typeof p.name === 'string' ? p.name : '',
        address: b.address,
        room: b.room,
        time: b.time,
    }
}

/** Two RoomUsers are the same entry when both fields are equal. */
export function sameRoomUser(a: RoomUser, b: RoomUser): boolean {
    return a.authentication === b.authentication && a.signature === b.signature
}
