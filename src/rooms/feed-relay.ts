// Several nodes: a room's feed is made on the node hosting it (its engine's output). Entries of rooms live
// here go out on the cluster's feed bus; while someone here listens to a room hosted elsewhere, that room's
// entries come in from the bus and are published into this node's feed (numbered here: a client that
// resumes on another node is told of a gap and reads the room afresh).
// A room's `closed` goes out wherever it is published: a live room closes after its hub let it go, and a
// dead node's room (or a stale row) closes on a node that never hosted it; every node's listeners are told.
import type { FeedBus } from '../cluster/cluster.js'
import type { FeedEntry, FeedObserver, RoomFeeds } from './room-feeds.js'

export class FeedRelay implements FeedObserver {
    private readonly remote = new Map<string, () => void>()
    /** Entries published here that came from the bus (not to be sent back out). */
    private relaying = false

    constructor(
        private readonly feeds: RoomFeeds,
        private readonly bus: FeedBus,
        /** Whether the room is live on this node. */
        private readonly isLocal: (roomName: string) => boolean,
    ) {
        feeds.observer = this
    }

    published(roomName: string, entry: FeedEntry): void {
        if (this.relaying) return
        if (this.isLocal(roomName) || entry.event.type === 'closed') this.bus.publish(roomName, entry)
    }

    /** Entries this node published carry its boot id; the bus brings them back to it too. */
    private ownEntry(entry: FeedEntry): boolean {
        return entry.id.startsWith(`${this.feeds.boot}.`)
    }

    watched(roomName: string): void {
        if (this.remote.has(roomName)) return
        const unsubscribe = this.bus.subscribe(roomName, (entry) => {
            // A room hosted here is fed by its own engine; its entries on the bus are its own, sent out.
            if (this.isLocal(roomName) || this.ownEntry(entry)) return
            // A chat_deleted names the deleted entry by the sender's numbering: every node makes its own
            // from the moderator's removeChat broadcast (RoomFeeds.removeChat), with its own ids.
            if (entry.event.type === 'chat_deleted') return
            this.relaying = true
            try {
                this.feeds.publish(roomName, entry.event)
            } finally {
                this.relaying = false
            }
        })
        this.remote.set(roomName, unsubscribe)
    }

    unwatched(roomName: string): void {
        this.remote.get(roomName)?.()
        this.remote.delete(roomName)
    }

    close(): void {
        for (const unsubscribe of this.remote.values()) unsubscribe()
        this.remote.clear()
        this.feeds.observer = undefined
    }
}
