// Sonolus-Signature: ECDSA P-256 / SHA-256 over the exact body bytes, base64 of raw r||s (IEEE P1363).
// specs/custom-server/headers/sonolus-signature.md. The key is imported once; crypto.verify is synchronous,
// the fastest path in Node for a single small verification (no thread-pool hop).
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto'

export class SignatureVerifier {
    private readonly options: { key: KeyObject; dsaEncoding: 'ieee-p1363' }

    constructor(jwk: JsonWebKey) {
        this.options = { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'ieee-p1363' }
    }

    /** True if `signature` (base64 r||s) signs `body` with the configured key. Never throws. */
    verify(body: Uint8Array, signature: string): boolean {
        if (signature.length > 200) return false
        const sig = Buffer.from(signature, 'base64')
        if (sig.length !== 64) return false
        try {
            return verify('sha256', body, this.options, sig)
        } catch {
            return false
        }
    }
}
