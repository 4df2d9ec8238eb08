// Room feeds across nodes: the owning node PUBLISHes each entry on the room's channel; a node whose
// clients watch a room hosted elsewhere SUBSCRIBEs to it while it has at least one listener.
// Publishing always (no Redis-side record of who listens): PUBLISH to a channel nobody subscribes costs
// Redis one lookup, while an interest set would add writes and expiries, and a subscriber would miss the
// entries sent before the owner noticed its interest.
import { isBusFeedEntry, type BusFeedEntry, type FeedBus } from './cluster.js'
import type { ClusterLog, RedisLink } from './redis-connection.js'
import type { ClusterKeys } from './redis-keys.js'

type Listener = (entry: BusFeedEntry) => void

function parseEntry(text: string): BusFeedEntry | undefined {
    try {
        const entry = JSON.parse(text) as unknown
        return isBusFeedEntry(entry) ? entry : undefined
    } catch {
        return undefined
    }
}

export class RedisFeeds implements FeedBus {
    private readonly listeners = new Map<string, Set<Listener>>()
    /** Per subscribed room: settles once Redis confirmed the channel's subscription. */
    private readonly confirmed = new Map<string, Promise<void>>()

    constructor(
        private readonly link: RedisLink,
        private readonly keys: ClusterKeys,
        private readonly log: ClusterLog,
    ) {}

    publish(room: string, entry: BusFeedEntry): void {
        if (!this.link.up) return // a feed is live only: an entry nobody can receive now is dropped
        this.link.command.publish(this.keys.feedChannel(room), JSON.stringify(entry)).catch(() => undefined)
    }

    subscribe(room: string, listener: Listener): () => void {
        let set = this.listeners.get(room)
        if (!set) {
            set = new Set()
            this.listeners.set(room, set)
            this.confirmed.set(
                room,
                this.link.listen(this.keys.feedChannel(room), (_channel, text) => this.received(room, text)),
            )
        }
        // Each subscription is its own wrapper, so one listener subscribed twice is called twice and
        // unsubscribed once per call.
        const own: Listener = (entry) => listener(entry)
        set.add(own)
        let active = true
        return () => {
            if (!active) return
            active = false
            set.delete(own)
            if (set.size || this.listeners.get(room) !== set) return
            this.listeners.delete(room)
            this.confirmed.delete(room)
            this.link.unlisten(this.keys.feedChannel(room))
        }
    }

    subscribed(room: string): Promise<void> {
        return this.confirmed.get(room) ?? Promise.resolve()
    }

    private received(room: string, text: string): void {
        const entry = parseEntry(text)
        if (!entry) return
        for (const listener of [...(this.listeners.get(room) ?? [])]) {
            try {
                listener(entry)
            } catch (err) {
                this.log.error({ err, room }, 'feed listener failed')
            }
        }
    }
}
