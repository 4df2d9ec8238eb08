// FeedRelay across nodes, on a bus that behaves as Redis pub/sub does: every subscriber of a channel gets
// each message once, the publishing node's own subscription included, after the publisher has returned.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FeedBus } from '../../src/cluster/cluster.js'
import { FeedRelay } from '../../src/rooms/feed-relay.js'
import { RoomFeeds, type FeedEntry } from '../../src/rooms/room-feeds.js'

type BusEntry = Parameters<FeedBus['publish']>[1]

class PubSub {
    private readonly channels = new Map<string, Set<(entry: BusEntry) => void>>()
    bus(): FeedBus {
        return {
            publish: (room, entry) => {
                const text = JSON.stringify(entry) // what travels is a copy
                for (const listener of [...(this.channels.get(room) ?? [])]) queueMicrotask(() => listener(JSON.parse(text)))
            },
            subscribe: (room, listener) => {
                let set = this.channels.get(room)
                if (!set) this.channels.set(room, (set = new Set()))
                const own = (entry: BusEntry) => listener(entry)
                set.add(own)
                return () => void set.delete(own)
            },
        }
    }
}

/** A node: its feeds, its relay, the rooms it hosts. */
function node(pubsub: PubSub, hosted: string[] = []) {
    const feeds = new RoomFeeds()
    const relay = new FeedRelay(feeds, pubsub.bus(), (name) => hosted.includes(name))
    const heard: FeedEntry[] = []
    const listen = (room: string) => feeds.subscribe(room, undefined, (entry) => heard.push(entry))
    return { feeds, relay, heard, listen }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))
const types = (entries: FeedEntry[]) => entries.map((e) => e.event.type)

test('a room hosted by no node closed on one node: its listeners on every node are told once', async () => {
    const pubsub = new PubSub()
    const sweeper = node(pubsub)
    const other = node(pubsub)
    sweeper.listen('gone')
    other.listen('gone')

    sweeper.feeds.publish('gone', { type: 'closed' })
    await settle()

    assert.deepEqual(types(sweeper.heard), ['closed'], 'the announcing node does not take its own entry back from the bus')
    assert.deepEqual(types(other.heard), ['closed'])
    assert.match(other.heard[0]!.id, new RegExp(`^${other.feeds.boot}\\.`), 'numbered by the node that serves it')
})

test('closed with nobody listening anywhere: kept for a later resume on that node, nothing relayed back', async () => {
    const pubsub = new PubSub()
    const sweeper = node(pubsub)
    const other = node(pubsub)
    sweeper.feeds.publish('quiet', { type: 'closed' })
    await settle()
    const later = sweeper.feeds.subscribe('quiet', `${sweeper.feeds.boot}.0`, () => {})
    assert.deepEqual(types(later.replay.entries), ['closed'])
    assert.deepEqual(types(other.heard), [])
})

test('entries of a hosted room reach the listeners of other nodes once, and none come back to the host', async () => {
    const pubsub = new PubSub()
    const owner = node(pubsub, ['live'])
    const watcher = node(pubsub)
    owner.listen('live')
    watcher.listen('live')

    owner.feeds.publish('live', { type: 'chat', value: 'hello' })
    await settle()

    assert.deepEqual(types(owner.heard), ['chat'])
    assert.deepEqual(types(watcher.heard), ['chat'])
    assert.equal(watcher.heard[0]!.event.value, 'hello')
})

test('a deleted chat line: each node tells its listeners once, naming the entry by its own id', async () => {
    const pubsub = new PubSub()
    const owner = node(pubsub, ['live'])
    const watcher = node(pubsub)
    owner.listen('live')
    watcher.listen('live')
    const line = { type: 'chat', user_id: 'u', value: 'rude', at: 1000 }
    owner.feeds.publish('live', line)
    await settle()
    // The moderator's removeChat reaches every node (a cluster broadcast); the owner's own chat_deleted
    // also travels on the bus, and must not be taken for the watcher's.
    for (const n of [owner, watcher]) n.feeds.removeChat('live', { userId: 'u', value: 'rude', at: 1000 })
    await settle()

    for (const n of [owner, watcher]) {
        assert.deepEqual(types(n.heard), ['chat', 'chat_deleted'])
        assert.equal(n.heard[1]!.event.event_id, n.heard[0]!.id)
    }
})
