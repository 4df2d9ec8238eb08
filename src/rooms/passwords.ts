// Room passwords are stored as scrypt hashes with a random salt, "scrypt$N$r$p$salt$hash" (base64url).
// Async scrypt runs on the libuv thread pool, so hashing never blocks the event loop. New hashes use the
// configured cost (OWASP: N = 2^17, r = 8, p = 1, 128 MiB a call); a stored hash is checked with the
// parameters it names, so hashes made at an older cost keep verifying.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/** OWASP Password Storage Cheat Sheet: scrypt N = 2^17, r = 8, p = 1. */
export const defaultScryptN = 2 ** 17
const r = 8
const p = 1
const keyLength = 32

/** Largest parameters a stored hash may name (N = 2^20 is 1 GiB at r = 8): a bad row cannot exhaust memory. */
const maxN = 2 ** 20
const maxR = 32
const maxP = 16

type Params = { N: number; r: number; p: number }

/** Memory scrypt needs (OpenSSL: 128·r·(N + p + 2) bytes), with a MiB of room, so maxmem never refuses a valid cost. */
const memoryFor = ({ N, r, p }: Params): number => 128 * r * (N + p + 2) + 1024 * 1024

function derive(password: string, salt: Buffer, params: Params): Promise<Buffer> {
    return new Promise((resolve, reject) =>
        scrypt(password.normalize('NFC'), salt, keyLength, { ...params, maxmem: memoryFor(params) }, (err, key) =>
            err ? reject(err) : resolve(key),
        ),
    )
}

const isPowerOfTwo = (n: number) => Number.isSafeInteger(n) && n > 1 && (n & (n - 1)) === 0

/** Hashing and checking room passwords; the directory takes one so tests can count KDF calls. */
export type PasswordHasher = {
    hash(password: string): Promise<string>
    verify(password: string, stored: string): Promise<boolean>
}

/** The scrypt hasher; `N` is the cost of new hashes (a power of two). */
export function scryptHasher(N: number = defaultScryptN): PasswordHasher {
    if (!isPowerOfTwo(N) || N > maxN) throw new RangeError(`scrypt N must be a power of two up to ${maxN}, got ${N}`)
    return {
        async hash(password) {
            const salt = randomBytes(16)
            const key = await derive(password, salt, { N, r, p })
            return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$')
        },
        verify: verifyPassword,
    }
}

/** Parameters of a stored hash, or undefined when it is not one we can check. */
export function hashParameters(stored: string): Params | undefined {
    const parts = stored.split('$')
    if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined
    const [N, rr, pp] = parts.slice(1, 4).map(Number) as [number, number, number]
    if (!isPowerOfTwo(N) || N > maxN || !Number.isInteger(rr) || rr < 1 || rr > maxR || !Number.isInteger(pp) || pp < 1 || pp > maxP) return undefined
    return { N, r: rr, p: pp }
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
    const params = hashParameters(stored)
    if (!params) return false
    const parts = stored.split('$')
    const expected = Buffer.from(parts[5]!, 'base64url')
    const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), params)
    return key.length === expected.length && timingSafeEqual(key, expected)
}
