// Tokens: a time prefix kept in clear in the stored hash (rows arrive in key order), the secret hashed.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { sha256Base64url } from '../../src/auth/sha256.js'
import { derivedToken, hashToken, looksLikeToken, newToken, tokenTimePrefix } from '../../src/auth/tokens.js'

describe('tokens', () => {
    test('a token is a fixed-width time prefix and 32 random bytes; every token differs', () => {
        const seen = new Set<string>()
        for (let i = 0; i < 300; i++) {
            const token = newToken(1_700_000_000_000)
            assert.match(token, /^[0-9a-z]{9}\.[A-Za-z0-9_-]{43}$/)
            assert.equal(token.slice(0, 9), (1_700_000_000_000).toString(36).padStart(9, '0'))
            assert.ok(looksLikeToken(token))
            seen.add(token)
        }
        assert.equal(seen.size, 300)
    })

    test('the stored hash keeps the prefix and hashes the secret; it sorts by creation time', () => {
        const token = newToken(5_000)
        const hash = hashToken(token)
        assert.equal(hash, `${token.slice(0, 10)}${createHash('sha256').update(token.slice(10)).digest('base64url')}`)
        assert.ok(!hash.includes(token.slice(10)), 'the secret is not stored')
        const times = [1_000, 999_999, 1_700_000_000_000, 1_700_000_000_001, 4_102_444_800_000]
        const hashes = times.map((t) => hashToken(newToken(t)))
        assert.deepEqual([...hashes].sort(), hashes)
    })

    test('a derived token: the same for one secret and time, another for another secret; shaped like a drawn one', () => {
        const secret = newToken().slice(10)
        const token = derivedToken(secret, 1_700_000_000_000)
        assert.match(token, /^[0-9a-z]{9}\.[A-Za-z0-9_-]{43}$/)
        assert.equal(token.slice(0, 10), newToken(1_700_000_000_000).slice(0, 10), 'the time prefix of its time')
        assert.equal(derivedToken(secret, 1_700_000_000_000), token)
        assert.notEqual(derivedToken(`${secret}x`, 1_700_000_000_000), token)
        assert.notEqual(derivedToken(secret, 1_700_000_000_001), token)
        assert.ok(!token.includes(secret) && !hashToken(token).includes(secret), 'neither shows the secret')
        assert.notEqual(token.slice(10), sha256Base64url(secret), 'not the hash stored for the secret itself')
    })

    test('a token without a prefix (made before prefixes) is hashed whole, as it was', () => {
        const old = 'A'.repeat(43)
        assert.equal(hashToken(old), createHash('sha256').update(old).digest('base64url'))
        // A forged prefix is only part of what is looked up: it matches no other token's hash.
        const token = newToken(1_000)
        assert.notEqual(hashToken(`${newToken(2_000).slice(0, 10)}${token.slice(10)}`), hashToken(token))
    })

    test('token keys sort by creation time: a prefix of a later time sorts after every key made before it', () => {
        const t = 1_700_000_000_000
        const keys = [t - 86_400_000, t - 1, t].map((at) => hashToken(newToken(at)))
        assert.deepEqual([...keys].sort(), keys)
        assert.ok(keys.every((k) => k < tokenTimePrefix(t + 1)))
        assert.ok(!(keys[2]! < tokenTimePrefix(t)), 'a key made at the prefix time itself is not before it')
        assert.equal(tokenTimePrefix(t), newToken(t).slice(0, 9))
    })

    test('sha256Base64url is SHA-256 in base64url, for text and for bytes (views into a larger buffer too)', () => {
        const reference = (data: string | Uint8Array) => createHash('sha256').update(data).digest('base64url')
        const big = Buffer.from('0123456789abcdef{"type":"authenticateServer"}')
        for (const data of ['', 'abc', 'é and 日本', big, big.subarray(16), new Uint8Array(big.buffer, big.byteOffset + 3, 5)]) {
            assert.equal(sha256Base64url(data), reference(data))
        }
        assert.equal(sha256Base64url('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0')
    })
})
