// Sonolus sessions (POST /sonolus/authenticate → Sonolus-Session on later requests): short-lived
// (config.sessionTtlMs, at most 30 minutes), stored hashed with the user they belong to.
import type { ServerAuthenticateResponse } from '@sonolus/core'
import type { Store } from '../store/store.js'
import { hashToken, looksLikeToken, newToken } from './tokens.js'

export type SessionCheck = { status: 'valid'; userId: string; expiresAt: number } | { status: 'invalid' }

export class SessionService {
    constructor(
        private readonly store: Pick<Store, 'insertSession' | 'getSession' | 'deleteSession'>,
        private readonly ttlMs: number,
    ) {}

    async issue(userId: string, now: number): Promise<ServerAuthenticateResponse> {
        const session = newToken()
        const expiration = now + this.ttlMs
        await this.store.insertSession({ tokenHash: hashToken(session), userId, createdAt: now, expiresAt: expiration })
        return { session, expiration }
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
