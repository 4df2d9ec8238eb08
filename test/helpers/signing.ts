// Signing like the Sonolus app does (ECDSA P-256 / SHA-256, base64 of raw r||s), with key pairs made for
// the tests. Imports nothing from the server, so benches and child processes can use it too.
import { generateKeyPairSync, sign as cryptoSign, verify, type JsonWebKey, type KeyObject } from 'node:crypto'

export type TestKeys = { privateKey: KeyObject; publicKey: KeyObject; publicJwk: JsonWebKey }

/** A fresh P-256 key pair. */
export function makeKeys(): TestKeys {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    return { privateKey, publicKey, publicJwk: publicKey.export({ format: 'jwk' }) }
}

let keys: TestKeys | undefined
let other: TestKeys | undefined
/** The key pair test servers trust (one per process). */
export const testKeys = (): TestKeys => (keys ??= makeKeys())
/** A key pair no test server trusts. */
export const otherKeys = (): TestKeys => (other ??= makeKeys())

/** Sonolus-Signature of `body`: ECDSA P-256 / SHA-256, base64 of raw r||s. */
export function sign(body: string | Uint8Array, privateKey: KeyObject = testKeys().privateKey): string {
    return cryptoSign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64')
}

/** Whether `signature` (base64 of raw r||s) signs `body`; false for malformed input. */
export function verifySignature(body: Uint8Array, signature: string, publicKey: KeyObject = testKeys().publicKey): boolean {
    try {
        return verify('sha256', body, { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64'))
    } catch {
        return false
    }
}
