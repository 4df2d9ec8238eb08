// RoomFeeds: numbered events per room, resumption from an id, gaps reported, idle feeds forgotten.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RoomFeeds, type FeedEntry } from '../../src/rooms/room-feeds.js'

test('resumes after an id, reports a gap when the id is older than what is kept, forgets idle feeds', () => {
    let now = 1000
    const feeds = new RoomFeeds(3, () => now)
    const ids = [1, 2, 3, 4, 5].map((n) => feeds.publish('r', { type: 'chat', value: `m${n}` }).id)
    const elsewhere = feeds.publish('other', { type: 'chat', value: 'elsewhere' }).id

    const live: FeedEntry[] = []
    const sub = feeds.subscribe('r', ids[2], (e) => live.push(e))
    assert.deepEqual(
        sub.replay.entries.map((e) => e.event.value),
        ['m4', 'm5'],
    )
    assert.equal(sub.replay.gap, false)
    feeds.publish('r', { type: 'chat', value: 'm6' })
    assert.deepEqual(
        live.map((e) => JSON.parse(e.data)),
        [{ type: 'chat', value: 'm6', at: 1000 }],
    )
    sub.unsubscribe()

    // m2 and m3 were dropped (3 kept): resuming after m1 loses them, which the replay says.
    const old = feeds.subscribe('r', ids[0], () => {})
    assert.deepEqual([old.replay.entries.map((e) => e.event.value), old.replay.gap], [['m4', 'm5', 'm6'], true])
    old.unsubscribe()
    assert.equal(feeds.subscribe('r', undefined, () => {}).replay.entries.length, 0, 'no id: live events only')

    now += 10_000
    feeds.sweep(5_000)
    assert.equal(feeds.listenerCount('r'), 1, 'a feed with a listener is kept')
    const fresh = feeds.subscribe('other', undefined, () => {})
    assert.equal(fresh.replay.entries.length, 0)
    feeds.publish('other', { type: 'x' })
    // The idle feed was forgotten and starts over; an id from before is never made again, and a client
    // holding one is told of the gap instead of being resumed at a place in the new feed.
    const stale = feeds.subscribe('other', elsewhere, () => {}).replay
    assert.deepEqual([stale.entries.map((e) => e.event.type), stale.gap], [['x'], true])
})

test('a resume from the first entry of a feed made after others has no gap; from one before the feed, a gap', () => {
    const feeds = new RoomFeeds()
    const before = feeds.publish('a', { type: 'chat', value: 'in a' }).id
    const first = feeds.publish('b', { type: 'chat', value: 'b1' }).id
    feeds.publish('b', { type: 'chat', value: 'b2' })
    const resumed = feeds.subscribe('b', first, () => {}).replay
    assert.deepEqual([resumed.entries.map((e) => e.event.value), resumed.gap], [['b2'], false])
    assert.equal(feeds.subscribe('b', before, () => {}).replay.gap, true, 'b may have had entries the client missed')
})
