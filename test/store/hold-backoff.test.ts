// HoldBackoff: after a checkpoint hold that ran out its time, holds are declined for a while, longer
// each time one runs out again, and allowed again at once after one that ended in time.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HoldBackoff } from '../../src/store/sqlite/hold-backoff.js'

test('holds are allowed until one runs out', () => {
    const backoff = new HoldBackoff(500, 8000)
    assert.equal(backoff.allows(0), true)
    backoff.ended(10, false)
    assert.equal(backoff.allows(11), true)
})

test('after a hold that ran out, holds are declined for firstMs, then doubling up to maxMs', () => {
    const backoff = new HoldBackoff(500, 2000)
    backoff.ended(1000, true)
    assert.equal(backoff.allows(1000), false)
    assert.equal(backoff.allows(1499), false)
    assert.equal(backoff.allows(1500), true)
    backoff.ended(1600, true) // ran out again: 1,000 ms
    assert.equal(backoff.allows(2599), false)
    assert.equal(backoff.allows(2600), true)
    backoff.ended(3000, true) // 2,000 ms: the cap
    backoff.ended(5000, true) // still 2,000 ms
    assert.equal(backoff.allows(6999), false)
    assert.equal(backoff.allows(7000), true)
})

test('a hold that ends in time clears the backoff', () => {
    const backoff = new HoldBackoff(500, 8000)
    backoff.ended(0, true)
    backoff.ended(600, true)
    backoff.ended(2000, false)
    assert.equal(backoff.allows(2000), true)
    backoff.ended(2100, true) // starts over from firstMs
    assert.equal(backoff.allows(2599), false)
    assert.equal(backoff.allows(2600), true)
})
