// Each room's live feed for the REST API's server-sent events (GET /api/rooms/{name}/events): what
// happens in the room as plain JSON events, numbered, with the last ones kept so a client that drops
// can resume from its Last-Event-ID without loss. In memory, one node's view: a feed starts over when
// the process does (ids carry a boot id, so a client resuming across a restart is told to resync).
import { randomBytes } from 'node:crypto'

export type FeedEvent = { type: string } & Record<string, unknown>

export type FeedEntry = { id: string; event: FeedEvent; data: string; at: number }

export type FeedListener = (entry: FeedEntry) => void

/** What a subscriber gets first: the entries after its Last-Event-ID, or a gap (the feed lost some). */
export type Replay = { entries: FeedEntry[]; gap: boolean }

type Feed = { seq: number; entries: FeedEntry[]; listeners: Set<FeedListener>; idleSince: number }

/** Told of every published entry and of each room's first and last listener (feed-relay.ts, several nodes). */
export interface FeedObserver {
    published(roomName: string, entry: FeedEntry): void
    watched(roomName: string): void
    unwatched(roomName: string): void
}

export class RoomFeeds {
    /** Ids are `<boot>.<n>`: n counts per room from 1. */
    readonly boot = randomBytes(4).toString('hex')
    private readonly feeds = new Map<string, Feed>()
    observer: FeedObserver | undefined

    constructor(
        /** Entries kept per room for resumption. */
        private readonly keep = 500,
        private readonly now: () => number = Date.now,
    ) {}

    publish(roomName: string, event: FeedEvent): FeedEntry {
        const feed = this.feed(roomName)
        const at = typeof event.at === 'number' ? event.at : this.now()
        const entry: FeedEntry = { id: `${this.boot}.${++feed.seq}`, event, data: JSON.stringify({ ...event, at }), at }
        feed.entries.push(entry)
        if (feed.entries.length > this.keep) feed.entries.splice(0, feed.entries.length - this.keep)
        for (const listener of [...feed.listeners]) listener(entry)
        this.observer?.published(roomName, entry)
        return entry
    }

    /**
     * Subscribes; returns the entries after `lastEventId` (none without one) and whether some were lost
     * (an id from before a restart, or older than what is kept), and the unsubscribe function.
     */
    subscribe(roomName: string, lastEventId: string | undefined, listener: FeedListener): { replay: Replay; unsubscribe: () => void } {
        const feed = this.feed(roomName)
        feed.listeners.add(listener)
        if (feed.listeners.size === 1) this.observer?.watched(roomName)
        return {
            replay: this.replay(feed, lastEventId),
            unsubscribe: () => {
                if (!feed.listeners.delete(listener)) return
                if (!feed.listeners.size) {
                    feed.idleSince = this.now()
                    this.observer?.unwatched(roomName)
                }
            },
        }
    }

    /**
     * Takes a deleted chat line out of the room's feed (a moderator removed it): the kept entry with the
     * same author and text closest in time (within 5 s; the feed stamps it in the same turn the line is
     * stored) is dropped from replays, and listeners are told with a `chat_deleted` event.
     */
    removeChat(roomName: string, message: { userId: string | null; value: string; at: number }): boolean {
        const feed = this.feeds.get(roomName)
        if (!feed) return false
        let best = -1
        for (let i = 0; i < feed.entries.length; i++) {
            const { event, at } = feed.entries[i]!
            if (event.type !== 'chat' || event.user_id !== message.userId || event.value !== message.value) continue
            const distance = Math.abs(at - message.at)
            if (distance <= 5000 && (best < 0 || distance < Math.abs(feed.entries[best]!.at - message.at))) best = i
        }
        if (best < 0) return false
        const [removed] = feed.entries.splice(best, 1)
        this.publish(roomName, { type: 'chat_deleted', event_id: removed!.id, user_id: message.userId })
        return true
    }

    listenerCount(roomName: string): number {
        return this.feeds.get(roomName)?.listeners.size ?? 0
    }

    /** Drops the feeds of rooms nobody listens to and that have been quiet for `idleMs`. */
    sweep(idleMs: number): void {
        const now = this.now()
        for (const [name, feed] of this.feeds) {
            const lastAt = feed.entries.at(-1)?.at ?? 0
            if (!feed.listeners.size && now - Math.max(lastAt, feed.idleSince) > idleMs) this.feeds.delete(name)
        }
    }

    private replay(feed: Feed, lastEventId: string | undefined): Replay {
        if (lastEventId === undefined) return { entries: [], gap: false }
        const [boot, seqText] = lastEventId.split('.')
        const seq = Number(seqText)
        if (boot !== this.boot || !Number.isInteger(seq) || seq < 0 || seq > feed.seq) return { entries: [], gap: true }
        const entries = feed.entries.filter((e) => Number(e.id.slice(this.boot.length + 1)) > seq)
        const firstKept = feed.seq - feed.entries.length + 1
        return { entries, gap: seq + 1 < firstKept }
    }

    private feed(roomName: string): Feed {
        let feed = this.feeds.get(roomName)
        if (!feed) {
            feed = { seq: 0, entries: [], listeners: new Set(), idleSince: this.now() }
            this.feeds.set(roomName, feed)
        }
        return feed
    }
}
