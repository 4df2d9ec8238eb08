// Long-lived API tokens a signed-in user makes for a bot (POST /api/tokens). The token is shown once and
// stored as a hash; every request looks it up again, so a revoked token stops working at once.
import type { ApiTokenRecord, Store } from '../store/store.js'
import { hashToken, looksLikeToken, newToken } from './tokens.js'

/** API tokens carry a prefix of their own so a leaked one is recognisable (and never a session's shape). */
export const apiTokenPrefix = 'ens_'

/** last_used_at is written at most this often per token (a bot polling every second costs no write per request). */
const touchIntervalMs = 60_000

export type ApiTokenCheck = { status: 'valid'; userId: string; tokenId: number } | { status: 'invalid' }

export class ApiTokenService {
    /** Told of each revocation at once (open event streams signed in with the token close). */
    private readonly revokedListeners = new Set<(tokenId: number) => void>()

    constructor(private readonly store: Pick<Store, 'insertApiToken' | 'getApiTokenByHash' | 'listApiTokens' | 'revokeApiToken' | 'touchApiToken'>) {}

    async create(userId: string, name: string, now: number): Promise<{ token: string; record: ApiTokenRecord }> {
        const token = apiTokenPrefix + newToken(now)
        const record = await this.store.insertApiToken({ userId, name, tokenHash: hashToken(token), createdAt: now })
        return { token, record }
    }

    isApiToken(token: string): boolean {
        return token.startsWith(apiTokenPrefix)
    }

    async check(token: string, now: number): Promise<ApiTokenCheck> {
        if (!this.isApiToken(token) || !looksLikeToken(token)) return { status: 'invalid' }
        const record = await this.store.getApiTokenByHash(hashToken(token))
        if (!record || record.revoked) return { status: 'invalid' }
        if (record.lastUsedAt === null || now - record.lastUsedAt >= touchIntervalMs) await this.store.touchApiToken(record.id, now)
        return { status: 'valid', userId: record.userId, tokenId: record.id }
    }

    list(userId: string): Promise<ApiTokenRecord[]> {
        return this.store.listApiTokens(userId)
    }

    async revoke(userId: string, id: number): Promise<boolean> {
        const revoked = await this.store.revokeApiToken(userId, id)
        if (revoked) for (const listener of [...this.revokedListeners]) listener(id)
        return revoked
    }

    /** Calls `listener` with the id of every token revoked from now on; returns the unsubscribe. */
    onRevoked(listener: (tokenId: number) => void): () => void {
        this.revokedListeners.add(listener)
        return () => this.revokedListeners.delete(listener)
    }
}
