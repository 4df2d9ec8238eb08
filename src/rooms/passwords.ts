// Room passwords are stored as scrypt hashes with a random salt, "scrypt$N$r$p$salt$hash" (base64url).
// Async scrypt runs on the libuv thread pool, so hashing never blocks the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

const N = 16384
const r = 8
const p = 1
const keyLength = 32

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
    return new Promise((resolve, reject) =>
        scrypt(password.normalize('NFC'), salt, keyLength, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) =>
            err ? reject(err) : resolve(key),
        ),
    )
}

export async function hashPassword(password: string): Promise<string> {
    const salt = randomBytes(16)
    const key = await derive(password, salt, { N, r, p })
    return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$')
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false
    const [n, rr, pp] = parts.slice(1, 4).map(Number) as [number, number, number]
    const expected = Buffer.from(parts[5]!, 'base64url')
    const key = await derive(password, Buffer.from(parts[4]!, 'base64url'), { N: n, r: rr, p: pp })
    return key.length === expected.length && timingSafeEqual(key, expected)
}
