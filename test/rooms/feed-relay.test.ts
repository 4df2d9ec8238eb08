// FeedRelay across nodes, on a bus that behaves as Redis pub/sub does: every subscriber of a channel gets
// each message once, the publishing node's own subscription included, after the publisher has returned.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FeedBus } from '../../src/cluster/cluster.js'
import { asReplay, FeedRelay } from '../../src/rooms/feed-relay.js'
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
            subscribed: () => Promise.resolve(),
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
    assert.equal(other.heard[0]!.id, sweeper.heard[0]!.id, 'relayed with the id it was made with')
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

test('a deleted chat line: the owner makes the one chat_deleted, and every node tells its listeners once, by the same id', async () => {
    const pubsub = new PubSub()
    const owner = node(pubsub, ['live'])
    const watcher = node(pubsub)
    owner.listen('live')
    watcher.listen('live')
    const line = { type: 'chat', user_id: 'u', value: 'rude', at: 1000 }
    owner.feeds.publish('live', line)
    await settle()
    // The moderator's removeChat reaches every node (a cluster broadcast): the owner announces it
    // (RoomRouting), another node only takes the line out of its replays and relays the owner's event.
    owner.feeds.removeChat('live', { userId: 'u', value: 'rude', at: 1000 })
    watcher.feeds.removeChat('live', { userId: 'u', value: 'rude', at: 1000 }, false)
    await settle()

    for (const n of [owner, watcher]) {
        assert.deepEqual(types(n.heard), ['chat', 'chat_deleted'])
        assert.equal(n.heard[1]!.event.event_id, owner.heard[0]!.id)
        assert.equal(n.heard[1]!.id, owner.heard[1]!.id, 'one id on every node')
        // A client that last saw the deletion resumes through either node.
        assert.deepEqual(n.feeds.subscribe('live', n.heard[1]!.id, () => {}).replay, { entries: [], gap: false })
    }
})

test('a client resumes through any node that relays the room, from the id another node gave it', async () => {
    const pubsub = new PubSub()
    const owner = node(pubsub, ['live'])
    const [first, second, late] = [node(pubsub), node(pubsub), node(pubsub)]
    first.listen('live')
    second.listen('live')
    for (const value of ['a', 'b', 'c']) owner.feeds.publish('live', { type: 'chat', value })
    await settle()
    const seen = first.heard[1]!.id // the client on `first` saw up to b, then dropped

    const values = (replay: { entries: FeedEntry[] }) => replay.entries.map((e) => e.event.value)
    const resumed = second.feeds.subscribe('live', seen, () => {}).replay
    assert.deepEqual([values(resumed), resumed.gap], [['c'], false])
    assert.deepEqual(values(owner.feeds.subscribe('live', seen, () => {}).replay), ['c'], 'on the owner, by its own number')
    // A node that was not relaying the room has nothing to resume from: the client reads the room afresh.
    const unknown = late.feeds.subscribe('live', seen, () => {}).replay
    assert.deepEqual([values(unknown), unknown.gap], [[], true])
})

test('entries from the bus whose id or data would break the event stream are not relayed', async () => {
    const pubsub = new PubSub()
    const watcher = node(pubsub)
    watcher.listen('live')
    const bus = pubsub.bus()
    const entry = { id: '0123abcd.7', event: { type: 'chat', value: 'ok' }, data: '{"type":"chat","value":"ok"}', at: 1 }
    bus.publish('live', { ...entry, id: '0123abcd.7\nevent: closed' })
    bus.publish('live', { ...entry, id: 'x' })
    bus.publish('live', { ...entry, data: '{"type":"chat"}\n\ndata: forged' })
    bus.publish('live', entry)
    await settle()
    assert.deepEqual(
        watcher.heard.map((e) => e.id),
        ['0123abcd.7'],
    )
})

test('a node that stopped relaying a room (nobody listened) reports a gap to a resume from what it kept', async () => {
    const pubsub = new PubSub()
    const owner = node(pubsub, ['live'])
    const watcher = node(pubsub)
    const ownerListener = owner.listen('live')
    const first = watcher.listen('live')
    owner.feeds.publish('live', { type: 'chat', value: 'a' })
    await settle()
    const seen = watcher.heard[0]!.id
    first.unsubscribe() // the watcher's node stops relaying the room
    owner.feeds.publish('live', { type: 'chat', value: 'missed' })
    await settle()

    const back = watcher.feeds.subscribe('live', seen, () => {}).replay
    assert.deepEqual([back.entries.length, back.gap], [0, true], 'not a silent loss of "missed"')
    // The room's own node, fed by its engine all along, resumes without a gap after its listeners left.
    ownerListener.unsubscribe()
    owner.feeds.publish('live', { type: 'chat', value: 'b' })
    const onOwner = owner.feeds.subscribe('live', seen, () => {}).replay
    assert.deepEqual([onOwner.entries.map((e) => e.event.value), onOwner.gap], [['missed', 'b'], false])
})

test("the room's node answers what it kept after an id; another node takes the answer only if every part is sound", () => {
    const owner = new RoomFeeds()
    const [a, b] = ['a', 'b'].map((value) => owner.publish('live', { type: 'chat', value }))
    const answer = JSON.parse(JSON.stringify(owner.since('live', a!.id))) // what travels is a copy
    assert.deepEqual(asReplay(answer), { entries: [b], gap: false })
    assert.deepEqual(owner.since('elsewhere', a!.id), { entries: [], gap: true }, 'a room it has no feed of')

    const entry = { id: '0123abcd.7', event: { type: 'chat' }, data: '{"type":"chat"}', at: 1 }
    for (const bad of [
        null,
        'entries',
        { entries: [entry] },
        { entries: entry, gap: false },
        { entries: [entry], gap: 'no' },
        { entries: [{ ...entry, id: '0123abcd.7\nevent: x' }], gap: false },
        { entries: [{ ...entry, data: 'a\n\ndata: b' }], gap: false },
        { entries: [{ ...entry, event: null }], gap: false },
        { entries: [{ ...entry, at: '1' }], gap: false },
        { entries: [entry, 5], gap: false },
    ])
        assert.equal(asReplay(bad), undefined, JSON.stringify(bad))
    assert.deepEqual(asReplay({ entries: [entry], gap: false }), { entries: [entry], gap: false })
})

test('a feed through a node relaying the room goes live once its subscription is confirmed, and not later than the timeout', async () => {
    let confirm!: () => void
    const confirmed = new Promise<void>((resolve) => (confirm = resolve))
    const bus: FeedBus = { publish: () => undefined, subscribe: () => () => undefined, subscribed: () => confirmed }
    const feeds = new RoomFeeds()
    new FeedRelay(feeds, bus, (name) => name === 'here')
    feeds.subscribe('elsewhere', undefined, () => {})
    let live = false
    const waiting = feeds.live('elsewhere', 60_000).then(() => (live = true))
    await settle()
    assert.equal(live, false, 'not before Redis confirmed the subscription')
    confirm()
    await waiting
    // A room hosted here, or one node: at once. A subscription never confirmed: at the timeout.
    await feeds.live('here', 60_000)
    await new RoomFeeds().live('anything', 60_000)
    const stuck = new RoomFeeds()
    new FeedRelay(stuck, { ...bus, subscribed: () => new Promise<void>(() => {}) }, () => false)
    const started = Date.now()
    await stuck.live('elsewhere', 50)
    assert.ok(Date.now() - started >= 45)
})
