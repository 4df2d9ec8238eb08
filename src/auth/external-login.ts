// Sign-in with Sonolus for the web page
// (https://wiki.sonolus.com/custom-server-specs/misc/external-authentication). A browser
// asks for a one-time endpoint; the page shows it as a `sonolus://external-login/...` link and a QR code;
// the Sonolus app POSTs a signed `authenticateExternal` body there. The body is checked like the other
// signed bodies (signature by the same verifier or its thread pool, type, `url` exactly this endpoint,
// time window) and its nonce is spent in the same transaction that records the user and the web session,
// so a body cannot sign in twice. The browser that asked (and only it: it holds the pending login's secret
// in a cookie) then picks the session up. Pending logins are kept in the store, so each step may reach
// another node. The session a login makes valid is derived from the browser's secret (tokens.ts
// derivedToken): the store holds its hash alone, as for every session, even while it waits for pickup.
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { randomBytes } from 'node:crypto'
import type { Config } from '../config.js'
import type { Store } from '../store/store.js'
import { UserProfileSchema, type CheckedUserProfile } from './profile.js'
import { sha256Base64url } from './sha256.js'
import { nonceMarginMs, type SignedRefusal } from './signed-request.js'
import type { SignatureVerifier } from './signature.js'
import { derivedToken, hashToken } from './tokens.js'
import type { VerifierPool } from './verifier-pool.js'

export const ExternalBodySchema = Type.Object({
    type: Type.Literal('authenticateExternal'),
    url: Type.String({ maxLength: 2048 }),
    time: Type.Number(),
    userProfile: UserProfileSchema,
})
const checker = TypeCompiler.Compile(ExternalBodySchema)

export type ExternalRefusal = Exclude<SignedRefusal, 'addressInvalid' | 'roomInvalid'> | 'urlInvalid' | 'webLoginExpired' | 'serverBanned'

/** How long a sign-in link waits for the app. */
export const pendingLoginTtlMs = 5 * 60_000
/** Pending logins kept at once (a flood of them cannot grow the table without bound). */
const maxPending = 10_000

export type ExternalLoginDeps = {
    config: Pick<Config, 'timeWindowMs' | 'timeFutureToleranceMs' | 'webSessionTtlMs'>
    store: Pick<Store, 'insertWebLogin' | 'getWebLogin' | 'completeWebLogin' | 'pollWebLogin'>
    signatures: SignatureVerifier
    pool?: Pick<VerifierPool, 'verify'>
    /** The public URL of a pending login's endpoint (what the signed body's `url` must be). */
    endpointUrl: (id: string) => string
    /** Server-wide bans: refused here as at the app's sign-in. */
    serverBans?: { has(userId: string, now: number): boolean }
}

export class ExternalLogins {
    constructor(private readonly deps: ExternalLoginDeps) {}

    /** A new pending login: its id (in the endpoint's URL) and the secret its browser keeps; null when full. */
    async start(now: number): Promise<{ id: string; secret: string; expiresAt: number } | null> {
        const id = randomBytes(16).toString('base64url')
        const secret = randomBytes(32).toString('base64url')
        const expiresAt = now + pendingLoginTtlMs
        const login = { id, secretHash: sha256Base64url(secret), sessionHash: hashToken(derivedToken(secret, now)), createdAt: now, expiresAt }
        return (await this.deps.store.insertWebLogin(login, maxPending)) ? { id, secret, expiresAt } : null
    }

    /** The app's signed POST to the endpoint of pending login `id`. */
    async complete(
        id: string,
        req: { raw: Uint8Array; parsed: unknown; signature: string | undefined; now: number },
    ): Promise<{ ok: true; profile: CheckedUserProfile } | { ok: false; reason: ExternalRefusal }> {
        const refuse = (reason: ExternalRefusal) => ({ ok: false as const, reason })
        // An unknown, lapsed or used link is refused before its signature costs a check.
        const login = await this.deps.store.getWebLogin(id)
        if (!login || login.expiresAt <= req.now || login.userId !== null) return refuse('webLoginExpired')
        if (!req.signature) return refuse('signatureMissing')
        const { signatures, pool } = this.deps
        const valid = pool ? await pool.verify(req.raw, req.signature) : signatures.verify(req.raw, req.signature)
        if (!valid) return refuse('signatureInvalid')
        const body = req.parsed as Record<string, unknown> | null
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('bodyInvalid')
        if (body.type !== 'authenticateExternal') return refuse('typeInvalid')
        if (!checker.Check(body)) return refuse('bodyInvalid')
        if (body.url !== this.deps.endpointUrl(id)) return refuse('urlInvalid')
        const { timeWindowMs, timeFutureToleranceMs, webSessionTtlMs } = this.deps.config
        if (body.time < req.now - timeWindowMs) return refuse('timeStale')
        if (body.time > req.now + timeFutureToleranceMs) return refuse('timeFuture')

        // The same replay guard as the other signed bodies: keyed by the exact bytes, spent with the sign-in.
        const nonce = {
            hash: sha256Base64url(req.raw),
            time: body.time,
            expiresAt: body.time + timeWindowMs + nonceMarginMs,
        }
        const profile = body.userProfile as CheckedUserProfile
        if (this.deps.serverBans?.has(profile.id, req.now)) return refuse('serverBanned')
        const user = { id: profile.id, handle: profile.handle, name: profile.name, profile, updatedAt: req.now }
        // Checked again in the transaction: of two signed bodies for one link (perhaps on two nodes), the first wins.
        const outcome = await this.deps.store.completeWebLogin({
            id,
            nonce,
            user,
            session: { userId: profile.id, createdAt: req.now, expiresAt: req.now + webSessionTtlMs },
            now: req.now,
            pickupUntil: req.now + pendingLoginTtlMs,
        })
        if (outcome !== 'done') return refuse(outcome === 'replayed' ? 'replayed' : 'webLoginExpired')
        return { ok: true, profile }
    }

    /**
     * What the waiting browser sees: 'pending' until the app signed in, then the web session token once
     * (the login is forgotten as it is handed over); 'expired' for an unknown, expired or foreign login.
     */
    async poll(
        id: string,
        secret: string | undefined,
        now: number,
    ): Promise<{ status: 'pending' } | { status: 'expired' } | { status: 'done'; token: string }> {
        if (!secret) return { status: 'expired' }
        const login = await this.deps.store.pollWebLogin(id, sha256Base64url(secret), now)
        if (!login) return { status: 'expired' }
        if (login.userId === null) return { status: 'pending' }
        return { status: 'done', token: derivedToken(secret, login.createdAt) }
    }
}
