// Checks a body signed by Sonolus, in the order the specs list them: signature over the exact bytes, type,
// address, (room), time window; then refuses a body already used. Returns the reason of a refusal as a
// localization key, so each surface words it its own way.
// https://wiki.sonolus.com/custom-server-specs/endpoints/post-sonolus-authenticate; the multiplayer join
// (POST /sonolus/rooms/{name}) is signed the same way, its body also naming the room.
import { Type, type Static } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { normalizeAddress, type Config } from '../config.js'
import type { Nonce } from '../store/store.js'
import { UserProfileSchema, type CheckedUserProfile } from './profile.js'
import { sha256Base64url } from './sha256.js'
import type { SignatureVerifier } from './signature.js'
import type { VerifierPool } from './verifier-pool.js'

export const AuthenticateBodySchema = Type.Object({
    type: Type.Literal('authenticateServer'),
    address: Type.String({ maxLength: 2048 }),
    time: Type.Number(),
    userProfile: UserProfileSchema,
})

export const JoinBodySchema = Type.Object({
    type: Type.Literal('authenticateMultiplayer'),
    address: Type.String({ maxLength: 2048 }),
    room: Type.String({ maxLength: 256 }),
    time: Type.Number(),
    userProfile: UserProfileSchema,
})

export type AuthenticateBody = Static<typeof AuthenticateBodySchema> & { userProfile: CheckedUserProfile }
export type JoinBody = Static<typeof JoinBodySchema> & { userProfile: CheckedUserProfile }

const checkers = {
    authenticateServer: TypeCompiler.Compile(AuthenticateBodySchema),
    authenticateMultiplayer: TypeCompiler.Compile(JoinBodySchema),
}

export type SignedKind = keyof typeof checkers
type BodyOf<K extends SignedKind> = K extends 'authenticateServer' ? AuthenticateBody : JoinBody

export type SignedRefusal =
    | 'signatureMissing'
    | 'signatureInvalid'
    | 'bodyInvalid'
    | 'typeInvalid'
    | 'addressInvalid'
    | 'roomInvalid'
    | 'timeStale'
    | 'timeFuture'
    | 'replayed'

export type SignedResult<K extends SignedKind> = { ok: true; body: BodyOf<K>; nonce: Nonce } | { ok: false; reason: SignedRefusal }

export type SignedRequest = {
    /** The exact body bytes as received. */
    raw: Uint8Array
    /** The same body, JSON-parsed. */
    parsed: unknown
    /** The Sonolus-Signature header. */
    signature: string | undefined
    now: number
    /** For a join: the room named in the URL. */
    room?: string
}

const refuse = (reason: SignedRefusal) => ({ ok: false as const, reason })

/**
 * How long a used body is remembered after its time window closes. A request passes the time check
 * against the `now` it was read at, then waits (signature on a worker thread, reads, the group commit)
 * before it spends its nonce; were the nonce forgotten the moment the window closed, a body checked just
 * before could be spent a second time (join bodies are relayed to every room member, who could replay
 * them). The margin covers any ordinary wait; the store also refuses a nonce a sweep may already have
 * forgotten (Store.useNonce), so even a longer stall cannot replay.
 */
export const nonceMarginMs = 60_000

export class SignedRequestVerifier {
    constructor(
        private readonly config: Pick<Config, 'address' | 'timeWindowMs' | 'timeFutureToleranceMs'>,
        private readonly signatures: SignatureVerifier,
        /** Verifies signatures on other cores; absent: on this thread. */
        private readonly pool?: Pick<VerifierPool, 'verify'>,
        /** Told how long each signature check took, queue and thread included, in seconds (metrics). */
        private readonly onChecked?: (seconds: number) => void,
    ) {}

    /**
     * Every check but the replay guard, the signature verified by the pool when there is one. The caller
     * MUST spend `nonce` (Store.useNonce, or a transaction that includes it such as Store.recordSignIn)
     * and refuse the request as 'replayed' if it was spent.
     */
    async check<K extends SignedKind>(kind: K, req: SignedRequest): Promise<SignedResult<K>> {
        if (!req.signature) return refuse('signatureMissing')
        const started = performance.now()
        const valid = this.pool ? await this.pool.verify(req.raw, req.signature) : this.signatures.verify(req.raw, req.signature)
        this.onChecked?.((performance.now() - started) / 1000)
        if (!valid) return refuse('signatureInvalid')
        return this.checkBody(kind, req)
    }

    /** The checks after the signature's, in the specs' order. */
    private checkBody<K extends SignedKind>(kind: K, req: SignedRequest): SignedResult<K> {
        const body = req.parsed as Record<string, unknown> | null
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse('bodyInvalid')
        if (body.type !== kind) return refuse('typeInvalid')
        if (!checkers[kind].Check(body)) return refuse('bodyInvalid')
        const checked = body as BodyOf<K>

        if (!this.isOurAddress(checked.address)) return refuse('addressInvalid')
        if (kind === 'authenticateMultiplayer' && (checked as JoinBody).room !== req.room) return refuse('roomInvalid')
        const { timeWindowMs, timeFutureToleranceMs } = this.config
        if (checked.time < req.now - timeWindowMs) return refuse('timeStale')
        if (checked.time > req.now + timeFutureToleranceMs) return refuse('timeFuture')

        // Keyed by the body, not the signature: ECDSA signatures are malleable ((r, s) and (r, n - s) both
        // verify), the body is not. Remembered past the time window by a margin (see nonceMarginMs).
        const hash = sha256Base64url(req.raw)
        return { ok: true, body: checked, nonce: { hash, time: checked.time, expiresAt: checked.time + timeWindowMs + nonceMarginMs } }
    }

    private isOurAddress(address: string): boolean {
        if (address === this.config.address) return true
        try {
            return normalizeAddress(address) === this.config.address
        } catch {
            return false
        }
    }
}
