// SHA-256 as base64url, the digest every stored token hash and nonce uses. Node's one-shot crypto.hash
// (20.12+) costs half of createHash().update().digest() on short inputs (no Hash object per call): it is
// on the path of every sign-in and join (the nonce, the session or join-session token).
import * as crypto from 'node:crypto'

type OneShot = (algorithm: string, data: string | Uint8Array, encoding: 'base64url') => string
const oneShot = (crypto as unknown as { hash?: OneShot }).hash

export const sha256Base64url: (data: string | Uint8Array) => string = oneShot
    ? (data) => oneShot('sha256', data, 'base64url')
    : (data) => crypto.createHash('sha256').update(data).digest('base64url')
