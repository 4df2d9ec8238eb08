// Single-room, single-use join sessions: the `session` of a join answer, which the client presents to the
// WebSocket server in Sonolus-Room-Session. Kept in the Store so another process (restart, second node)
// can consume it; only its hash is stored.
import type { JoinSessionRecord, Store } from '../store/store.js'
import { hashToken, looksLikeToken, newToken } from './tokens.js'

export type JoinTicket = {
    roomName: string
    userId: string
    profile: { id: string; handle: string; name: string }
    /** base64 of the exact request body bytes (the signed authenticateMultiplayer body). */
    authentication: string
    /** The Sonolus-Signature header of that body. */
    signature: string
    locale: string
    /** True when this join created the room (creator with Sonolus-Room-Key). */
    createdRoom: boolean
    expiresAt: number
}

export interface JoinSessions {
    issue(t: Omit<JoinTicket, 'expiresAt'>): Promise<string>
    /** A new join session for the caller to store (e.g. inside Store.recordJoin). */
    create(t: Omit<JoinTicket, 'expiresAt'>): { token: string; record: JoinSessionRecord }
    /** Single use; null if unknown, used or expired. */
    consume(token: string, now?: number): Promise<JoinTicket | null>
}

export class StoreJoinSessions implements JoinSessions {
    constructor(
        private readonly store: Pick<Store, 'insertJoinSession' | 'takeJoinSession'>,
        private readonly ttlMs: number,
        private readonly now: () => number = Date.now,
    ) {}

    async issue(t: Omit<JoinTicket, 'expiresAt'>): Promise<string> {
        const { token, record } = this.create(t)
        await this.store.insertJoinSession(record)
        return token
    }

    create(t: Omit<JoinTicket, 'expiresAt'>): { token: string; record: JoinSessionRecord } {
        const token = newToken()
        const expiresAt = this.now() + this.ttlMs
        const ticket: JoinTicket = { ...t, expiresAt }
        return {
            token,
            record: { tokenHash: hashToken(token), roomName: t.roomName, userId: t.userId, payload: JSON.stringify(ticket), expiresAt },
        }
    }

    async consume(token: string, now: number = this.now()): Promise<JoinTicket | null> {
        if (typeof token !== 'string' || !looksLikeToken(token)) return null
        const record = await this.store.takeJoinSession(hashToken(token))
        if (!record || record.expiresAt <= now) return null
        return JSON.parse(record.payload) as JoinTicket
    }
}
