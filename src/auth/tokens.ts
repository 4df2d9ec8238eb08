// Opaque bearer tokens: a time prefix and 32 random bytes, base64url. Only a hash is stored, so a database
// leak does not hand out live sessions. The prefix (creation time in ms, base 36, fixed width) stays in
// clear in the hash: stored rows then arrive in key order and are appended to the last B-tree page, where
// random keys would each dirty a page of their own (the cost of a commit is about one page per row).
// It tells only when the token was made, which its holder knows anyway.
import { createHmac, randomFillSync } from 'node:crypto'
import { sha256Base64url } from './sha256.js'

// Random bytes are drawn from the CSPRNG 4 KiB at a time (as Node's randomUUID does): one call into
// OpenSSL per 128 tokens instead of one per token. Every byte is handed out once.
const entropy = Buffer.alloc(4096)
let used = entropy.length

const prefixLength = 9 // base 36 ms: enough until the year 5188

/** The clear prefix of the tokens (and token hashes) made at `time`: they sort in the order they were made. */
export const tokenTimePrefix = (time: number): string => Math.floor(time).toString(36).padStart(prefixLength, '0')

export const newToken = (now: number = Date.now()): string => {
    if (used + 32 > entropy.length) {
        randomFillSync(entropy)
        used = 0
    }
    const secret = entropy.toString('base64url', used, used + 32)
    used += 32
    return `${tokenTimePrefix(now)}.${secret}`
}

/**
 * A token computed from a secret instead of drawn: who holds the secret (and the time) can make it again,
 * who holds only its stored form cannot. A web sign-in's session is one (auth/external-login.ts), so the
 * database never keeps it in clear while it waits for its browser.
 */
export const derivedToken = (secret: string, time: number): string =>
    `${tokenTimePrefix(time)}.${createHmac('sha256', secret).update('ensemble web session').digest('base64url')}`

/** The stored form of a token: its time prefix in clear, the rest hashed (tokens without one: all hashed). */
export const hashToken = (token: string): string => {
    if (token.charCodeAt(prefixLength) !== 0x2e /* . */) return sha256Base64url(token)
    return `${token.slice(0, prefixLength + 1)}${sha256Base64url(token.slice(prefixLength + 1))}`
}

/** Cheap shape check before hashing whatever a client sent. */
export const looksLikeToken = (token: string): boolean => token.length >= 16 && token.length <= 128
