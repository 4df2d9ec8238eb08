// Sonolus sessions (POST /sonolus/authenticate → Sonolus-Session on later requests): short-lived
// (config.sessionTtlMs, at most 30 minutes), stored hashed with the user they belong to.
import type { ServerAuthenticateResponse } from '@sonolus/core'
import type { SessionRecord, Store } from '../store/store.js'
import { hashToken, looksLikeToken, newToken } from './tokens.js'

export type SessionCheck = { status: 'valid'; userId: string; expiresAt: number } | { status: 'invalid' }

export class SessionService {
    constructor(
        private readonly store: Pick<Store, 'insertSession' | 'getSession' | 'deleteSession'>,
        private readonly ttlMs: number,
    ) {}

    async issue(userId: string, now: number): Promise<ServerAuthenticateResponse> {
        const { token, session } = this.create(userId, now)
        await this.store.insertSession(session)
        return { session: token, expiration: session.expiresAt }
    }

    /** A new session for the caller to store (e.g. inside Store.recordSignIn). */
    create(userId: string, now: number): { token: string; session: SessionRecord } {
        const token = newToken()
        return { token, session: { tokenHash: hashToken(token), userId, createdAt: now, expiresAt: now + this.ttlMs } }
    }

    /** Unknown, malformed and expired sessions are all 'invalid'. */
    async check(token: string, now: number): Promise<SessionCheck> {
        if (!looksLikeToken(token)) return { status: 'invalid' }
        const record = await this.store.getSession(hashToken(token))
        if (!record || record.expiresAt <= now) return { status: 'invalid' }
        return { status: 'valid', userId: record.userId, expiresAt: record.expiresAt }
    }

    async revoke(token: string): Promise<void> {
        await this.store.deleteSession(hashToken(token))
    }
}
