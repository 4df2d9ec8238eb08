// Sign-in with Sonolus for the web page
// (https://wiki.sonolus.com/custom-server-specs/misc/external-authentication). A browser
// asks for a one-time endpoint; the page shows it as a `sonolus://external-login/...` link and a QR code;
// the Sonolus app POSTs a signed `authenticateExternal` body there. The body is checked like the other
// signed bodies (signature by the same verifier or its thread pool, type, `url` exactly this endpoint,
// time window) and its nonce is spent in the same transaction that records the user and the web session,
// so a body cannot sign in twice. The browser that asked (and only it: it holds the pending login's secret
// in a cookie) then picks the session up. Pending logins live in memory on this node: they last minutes.
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { Config } from '../config.js'
import type { Store } from '../store/store.js'
import { UserProfileSchema, type CheckedUserProfile } from './profile.js'
import { sha256Base64url } from './sha256.js'
import { nonceMarginMs, type SignedRefusal } from './signed-request.js'
import type { SessionService } from './sessions.js'
import type { SignatureVerifier } from './signature.js'
import type { VerifierPool } from './verifier-pool.js'

export const ExternalBodySchema = Type.Object({
    type: Type.Literal('authenticateExternal'),
    url: Type.String({ maxLength: 2048 }),
    time: Type.Number(),
    userProfile: UserProfileSchema,
})
const checker = TypeCompiler.Compile(ExternalBodySchema)

export type ExternalRefusal = Exclude<SignedRefusal, 'addressInvalid' | 'roomInvalid'> | 'urlInvalid' | 'webLoginExpired' | 'serverBanned'

type Pending = { secretHash: string; expiresAt: number; done?: { token: string; userId: string } }

/** How long a sign-in link waits for the app. */
export const pendingLoginTtlMs = 5 * 60_000
/** Pending logins kept at once (each costs a few bytes; a flood of them cannot grow memory without bound). */
const maxPending = 10_000

export type ExternalLoginDeps = {
    config: Pick<Config, 'timeWindowMs' | 'timeFutureToleranceMs'>
    store: Pick<Store, 'recordSignIn'>
    /** Makes web sessions (their own lifetime; stored hashed like every session). */
    webSessions: SessionService
    signatures: SignatureVerifier
    pool?: Pick<VerifierPool, 'verify'>
    /** The public URL of a pending login's endpoint (what the signed body's `url` must be). */
    endpointUrl: (id: string) => string
    /** Server-wide bans: refused here as at the app's sign-in. */
    serverBans?: { has(userId: string, now: number): boolean }
}

export class ExternalLogins {
    private readonly pending = new Map<string, Pending>()

    constructor(private readonly deps: ExternalLoginDeps) {}

    /** A new pending login: its id (in the endpoint's URL) and the secret its browser keeps; null when full. */
    start(now: number): { id: string; secret: string; expiresAt: number } | null {
        this.sweep(now)
        if (this.pending.size >= maxPending) return null
        const id = randomBytes(16).toString('base64url')
        const secret = randomBytes(32).toString('base64url')
        const expiresAt = now + pendingLoginTtlMs
        this.pending.set(id, { secretHash: sha256Base64url(secret), expiresAt })
        return { id, secret, expiresAt }
    }

    /** The app's signed POST to the endpoint of pending login `id`. */
    async complete(
        id: string,
        req: { raw: Uint8Array; parsed: unknown; signature: string | undefined; now: number },
    ): Promise<{ ok: true; profile: CheckedUserProfile } | { ok: false; reason: ExternalRefusal }> {
        const refuse = (reason: ExternalRefusal) => ({ ok: false as const, reason })
        const entry = this.pending.get(id)
        if (!entry || entry.expiresAt <= req.now || entry.done) return refuse('webLoginExpired')
        if (!req.signature) return refuse('signatureMissing')
        const { signatures, pool } = this.deps
        const valid = pool ? await pool.verify(req.raw, req.signature) : signatures.verify(req.raw, req.signature)
        if (!valid) return refuse('signatureInvalid')
        const body = req.parsed as Record<string, unknown> | null
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('bodyInvalid')
        if (body.type !== 'authenticateExternal') return refuse('typeInvalid')
        if (!checker.Check(body)) return refuse('bodyInvalid')
        if (body.url !== this.deps.endpointUrl(id)) return refuse('urlInvalid')
        const { timeWindowMs, timeFutureToleranceMs } = this.deps.config
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
        const { token, session } = this.deps.webSessions.create(profile.id, req.now)
        const user = { id: profile.id, handle: profile.handle, name: profile.name, profile, updatedAt: req.now }
        if (!(await this.deps.store.recordSignIn({ nonce, user, session }))) return refuse('replayed')
        // Checked again: two different signed bodies for one link race; the first one wins.
        const still = this.pending.get(id)
        if (!still || still.done) {
            await this.deps.webSessions.revoke(token)
            return refuse('webLoginExpired')
        }
        still.done = { token, userId: profile.id }
        return { ok: true, profile }
    }

    /**
     * What the waiting browser sees: 'pending' until the app signed in, then the web session token once
     * (the login is forgotten as it is handed over); 'expired' for an unknown, expired or foreign login.
     */
    poll(id: string, secret: string | undefined, now: number): { status: 'pending' } | { status: 'expired' } | { status: 'done'; token: string } {
        const entry = this.pending.get(id)
        if (!entry || !secret || !sameHash(entry.secretHash, sha256Base64url(secret))) return { status: 'expired' }
        if (entry.done) {
            this.pending.delete(id)
            return { status: 'done', token: entry.done.token }
        }
        if (entry.expiresAt <= now) {
            this.pending.delete(id)
            return { status: 'expired' }
        }
        return { status: 'pending' }
    }

    sweep(now: number): void {
        // A completed login keeps its entry a little longer so its browser can still pick it up.
        for (const [id, entry] of this.pending) if (entry.expiresAt + (entry.done ? pendingLoginTtlMs : 0) <= now) this.pending.delete(id)
    }
}

function sameHash(a: string, b: string): boolean {
    const x = Buffer.from(a)
    const y = Buffer.from(b)
    return x.length === y.length && timingSafeEqual(x, y)
}
