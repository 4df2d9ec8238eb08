// Each room's live feed for the REST API's server-sent events (GET /api/rooms/{name}/events): what
// happens in the room as plain JSON events, numbered, with the last ones kept so a client that drops
// can resume from its Last-Event-ID without loss. In memory, one node's view: a feed starts over when
// the process does (ids carry a boot id, so a client resuming across a restart is told to resync).
// Several nodes: an entry relayed from the room's node keeps that node's id (relay()), so a client that
// resumes through another node which also relays the room finds its place there too.
import { randomBytes } from 'node:crypto'

export type FeedEvent = { type: string } & Record<string, unknown>

export type FeedEntry = { id: string; event: FeedEvent; data: string; at: number }

export type FeedListener = (entry: FeedEntry) => void

/** What a subscriber gets first: the entries after its Last-Event-ID, or a gap (the feed lost some). */
export type Replay = { entries: FeedEntry[]; gap: boolean }

/** An entry as kept: `ord` is its place in this node's numbering, whatever its id. */
type Kept = { entry: FeedEntry; ord: number }

type Feed = {
    entries: Kept[]
    /** A resume from before this place misses entries: dropped past `kept`, made before the feed, or not relayed here. */
    missingBefore: number
    listeners: Set<FeedListener>
    idleSince: number
}

/** Told of every published entry and of each room's first and last listener (feed-relay.ts, several nodes). */
export interface FeedObserver {
    published(roomName: string, entry: FeedEntry): void
    watched(roomName: string): void
    unwatched(roomName: string): void
    /** Settles once a watched room's entries made elsewhere reach this node. */
    relaying(roomName: string): Promise<void>
}

export class RoomFeeds {
    /** Ids made here are `<boot>.<n>`: n counts every entry this node keeps, all rooms together, so an
     * id is never made twice in a process (a feed forgotten when idle and made again included). */
    readonly boot = randomBytes(4).toString('hex')
    private seq = 0
    private readonly feeds = new Map<string, Feed>()
    observer: FeedObserver | undefined

    constructor(
        /** Entries kept per room for resumption. */
        private readonly kept = 500,
        private readonly now: () => number = Date.now,
    ) {}

    /** `here`: for this node's listeners only (the other nodes were told already). */
    publish(roomName: string, event: FeedEvent, scope: 'everywhere' | 'here' = 'everywhere'): FeedEntry {
        const feed = this.feed(roomName) // before the entry's number: a new feed misses what came before it
        const at = typeof event.at === 'number' ? event.at : this.now()
        const ord = ++this.seq
        const entry: FeedEntry = { id: `${this.boot}.${ord}`, event, data: JSON.stringify({ ...event, at }), at }
        this.keep(feed, entry, ord)
        if (scope === 'everywhere') this.observer?.published(roomName, entry)
        return entry
    }

    /** An entry published by another node (its id and data as they were made), for the listeners here alone. */
    relay(roomName: string, entry: FeedEntry): void {
        const feed = this.feed(roomName)
        this.keep(feed, entry, ++this.seq)
    }

    private keep(feed: Feed, entry: FeedEntry, ord: number): void {
        feed.entries.push({ entry, ord })
        if (feed.entries.length > this.kept) {
            const dropped = feed.entries.splice(0, feed.entries.length - this.kept)
            feed.missingBefore = dropped.at(-1)!.ord
        }
        for (const listener of [...feed.listeners]) listener(entry)
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
     * Settles once a listener subscribed now hears every entry published from then on: at once on one
     * node or for a room hosted here; with several nodes, once this node's subscription to a room hosted
     * elsewhere is confirmed. `timeoutMs`: settles then anyway (the relay goes on being set up).
     */
    live(roomName: string, timeoutMs: number): Promise<void> {
        const relaying = this.observer?.relaying(roomName)
        if (!relaying) return Promise.resolve()
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
        return Promise.race([relaying, timeout]).finally(() => clearTimeout(timer))
    }

    /**
     * Takes a deleted chat line out of the room's feed (a moderator removed it): the kept entry with the
     * same author and text closest in time (within 5 s; the feed stamps it in the same turn the line is
     * stored) is dropped from replays, and listeners are told with a `chat_deleted` event unless `announce`
     * is false (several nodes: the room's own node makes that event, and the others relay it).
     */
    removeChat(roomName: string, message: { userId: string | null; value: string; at: number }, announce = true): boolean {
        const feed = this.feeds.get(roomName)
        if (!feed) return false
        let best = -1
        for (let i = 0; i < feed.entries.length; i++) {
            const { event, at } = feed.entries[i]!.entry
            if (event.type !== 'chat' || event.user_id !== message.userId || event.value !== message.value) continue
            const distance = Math.abs(at - message.at)
            if (distance <= 5000 && (best < 0 || distance < Math.abs(feed.entries[best]!.entry.at - message.at))) best = i
        }
        if (best < 0) return false
        const [removed] = feed.entries.splice(best, 1)
        if (announce) this.publish(roomName, { type: 'chat_deleted', event_id: removed!.entry.id, user_id: message.userId })
        return true
    }

    /** The entries kept after `lastEventId`, without subscribing (the room's node, asked by another node). */
    since(roomName: string, lastEventId: string): Replay {
        const feed = this.feeds.get(roomName)
        return feed ? this.replay(feed, lastEventId) : { entries: [], gap: true }
    }

    /** Whether this node made the entry with this id. */
    madeHere(id: string): boolean {
        return id.startsWith(`${this.boot}.`)
    }

    listenerCount(roomName: string): number {
        return this.feeds.get(roomName)?.listeners.size ?? 0
    }

    /** Drops the feeds of rooms nobody listens to and that have been quiet for `idleMs`. */
    sweep(idleMs: number): void {
        const now = this.now()
        for (const [name, feed] of this.feeds) {
            const lastAt = feed.entries.at(-1)?.entry.at ?? 0
            if (!feed.listeners.size && now - Math.max(lastAt, feed.idleSince) > idleMs) this.feeds.delete(name)
        }
    }

    private replay(feed: Feed, lastEventId: string | undefined): Replay {
        if (lastEventId === undefined) return { entries: [], gap: false }
        const seq = this.place(feed, lastEventId)
        if (seq === undefined) return { entries: [], gap: true }
        return { entries: feed.entries.filter((k) => k.ord > seq).map((k) => k.entry), gap: seq < feed.missingBefore }
    }

    /** The place in this node's numbering of the entry with this id; undefined when it cannot be placed. */
    private place(feed: Feed, id: string): number | undefined {
        // Made here: its number places it even when its entry is gone (a deleted chat line, or dropped).
        if (this.madeHere(id)) {
            const seq = Number(id.slice(this.boot.length + 1))
            return Number.isInteger(seq) && seq >= 0 && seq <= this.seq ? seq : undefined
        }
        // Made by another node (relayed): found only while kept here.
        return feed.entries.find((k) => k.entry.id === id)?.ord
    }

    /**
     * This node stops receiving the room's entries from its node (nobody here listens any more): what it
     * keeps so far is followed by a hole, so a resume from any of it reports a gap.
     */
    relayStopped(roomName: string): void {
        const feed = this.feeds.get(roomName)
        if (feed) feed.missingBefore = this.seq + 1
    }

    private feed(roomName: string): Feed {
        let feed = this.feeds.get(roomName)
        if (!feed) {
            feed = { entries: [], missingBefore: this.seq + 1, listeners: new Set(), idleSince: this.now() }
            this.feeds.set(roomName, feed)
        }
        return feed
    }
}
