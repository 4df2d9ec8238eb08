// Sonolus-Signature: ECDSA P-256 / SHA-256 over the exact body bytes, base64 of raw r||s (IEEE P1363).
// https://wiki.sonolus.com/custom-server-specs/headers/sonolus-signature. The key is imported once;
// crypto.verify is synchronous,
// the fastest path in Node for a single small verification (no thread-pool hop). VerifierPool runs the
// same check on other cores.
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto'

/** The 64 raw bytes of a Sonolus-Signature header, or undefined when it cannot be one. */
export function decodeSignature(signature: string): Buffer | undefined {
    if (signature.length > 200) return undefined
    const sig = Buffer.from(signature, 'base64')
    return sig.length === 64 ? sig : undefined
}

export class SignatureVerifier {
    private readonly options: { key: KeyObject; dsaEncoding: 'ieee-p1363' }

    constructor(readonly jwk: JsonWebKey) {
        this.options = { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }
    }

    /** True if `signature` (base64 r||s) signs `body` with the configured key. Never throws. */
    verify(body: Uint8Array, signature: string): boolean {
        const sig = decodeSignature(signature)
        return sig !== undefined && this.verifyRaw(body, sig)
    }

    /** True if the 64 raw bytes r||s sign `body`. Never throws. */
    verifyRaw(body: Uint8Array, signature: Uint8Array): boolean {
        try {
            return verify('sha256', body, this.options, signature)
        } catch {
            return false
        }
    }
}
