// Room password hashing: the default cost is OWASP's scrypt N = 2^17, r = 8, p = 1 (and the server's
// default config uses it); hashes stored at the former cost keep verifying; malformed or oversized
// parameters are refused without running the KDF.
import assert from 'node:assert/strict'
import { randomBytes, scryptSync } from 'node:crypto'
import { describe, test } from 'node:test'
import { loadConfig } from '../../src/config.js'
import { defaultScryptN, hashParameters, scryptHasher, verifyPassword } from '../../src/rooms/passwords.js'

describe('room passwords', () => {
    test('the default cost is N = 2^17, r = 8, p = 1, in the hasher and in the config', async () => {
        assert.equal(defaultScryptN, 2 ** 17)
        assert.equal(loadConfig({ env: {}, argv: [] }).config.passwordScryptN, 2 ** 17)
        const hasher = scryptHasher()
        const stored = await hasher.hash('correct horse')
        assert.match(stored, /^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{43}$/)
        assert.equal(await hasher.verify('correct horse', stored), true)
    })

    test('a hash made at the former cost (N = 16384) still verifies', async () => {
        const salt = randomBytes(16)
        const key = scryptSync('open sesame', salt, 32, { N: 16384, r: 8, p: 1 })
        const stored = ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$')
        assert.equal(await verifyPassword('open sesame', stored), true)
        assert.equal(await verifyPassword('open sesame!', stored), false)
    })

    test('a configured cost is written into the hash; NFC and NFD spellings match', async () => {
        const stored = await scryptHasher(1024).hash('caf\u00e9')
        assert.deepEqual(hashParameters(stored), { N: 1024, r: 8, p: 1 })
        assert.equal(await verifyPassword('cafe\u0301', stored), true)
    })

    test('bad or oversized stored parameters are refused, not run', async () => {
        const salt = randomBytes(16).toString('base64url')
        for (const stored of [
            '',
            'plain',
            `scrypt$1000$8$1$${salt}$x`,
            `scrypt$${2 ** 21}$8$1$${salt}$x`,
            `scrypt$1024$0$1$${salt}$x`,
            `bcrypt$1024$8$1$${salt}$x`,
        ]) {
            assert.equal(hashParameters(stored), undefined, stored)
            assert.equal(await verifyPassword('x', stored), false, stored)
        }
        assert.throws(() => scryptHasher(1000), RangeError)
    })

    test('the config refuses a cost that is not a power of two', () => {
        assert.throws(
            () => loadConfig({ env: { ENSEMBLE_PASSWORD_SCRYPT_N: '100000' }, argv: [] }),
            /ENSEMBLE_PASSWORD_SCRYPT_N must be a power of two/,
        )
        assert.equal(loadConfig({ env: { ENSEMBLE_PASSWORD_SCRYPT_N: '16384' }, argv: [] }).config.passwordScryptN, 16384)
    })
})
