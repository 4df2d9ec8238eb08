// Several nodes: a room's feed is made on the node hosting it (its engine's output). Entries of rooms live
// here go out on the cluster's feed bus; while someone here listens to a room hosted elsewhere, that room's
// entries come in from the bus and are relayed into this node's feed with the ids they were made with: a
// client that resumes through another node relaying the room too finds its place there (elsewhere it is
// told of a gap and reads the room afresh).
// A room's `closed` goes out wherever it is published: a live room closes after its hub let it go, and a
// dead node's room (or a stale row) closes on a node that never hosted it; every node's listeners are told.
import { isBusFeedEntry, type FeedBus } from '../cluster/cluster.js'
import type { FeedEntry, FeedObserver, Replay, RoomFeeds } from './room-feeds.js'

const madeId = /^[0-9a-f]{8}\.\d{1,15}$/

/**
 * Whether an entry from another node may go into an event stream: its id and data become lines of it, so
 * only ids of the shape RoomFeeds makes and data on one line (as JSON.stringify writes it) pass.
 */
export function streamable(entry: FeedEntry): boolean {
    return madeId.test(entry.id) && !/[\r\n]/.test(entry.data)
}

/** Another node's answer to 'feedSince' (RoomFeeds.since there), if every part of it is what it should be. */
export function asReplay(value: unknown): Replay | undefined {
    const answer = value as { entries?: unknown; gap?: unknown } | null
    if (typeof answer !== 'object' || answer === null || typeof answer.gap !== 'boolean' || !Array.isArray(answer.entries)) return undefined
    const entries: unknown[] = answer.entries
    return entries.every((e) => isBusFeedEntry(e) && streamable(e)) ? { entries: entries as FeedEntry[], gap: answer.gap } : undefined
}

export class FeedRelay implements FeedObserver {
    private readonly remote = new Map<string, () => void>()

    constructor(
        private readonly feeds: RoomFeeds,
        private readonly bus: FeedBus,
        /** Whether the room is live on this node. */
        private readonly isLocal: (roomName: string) => boolean,
    ) {
        feeds.observer = this
    }

    published(roomName: string, entry: FeedEntry): void {
        if (this.isLocal(roomName) || entry.event.type === 'closed') this.bus.publish(roomName, entry)
    }

    watched(roomName: string): void {
        if (this.remote.has(roomName)) return
        const unsubscribe = this.bus.subscribe(roomName, (entry) => {
            // A room hosted here is fed by its own engine; its entries on the bus are its own, sent out.
            // Entries this node published carry its boot id; the bus brings them back to it too.
            if (this.isLocal(roomName) || this.feeds.madeHere(entry.id)) return
            // A chat_deleted too: the room's node makes it when a moderator's removeChat broadcast reaches it,
            // and the other nodes only take the line out of their replays (RoomRouting).
            if (streamable(entry)) this.feeds.relay(roomName, entry)
        })
        this.remote.set(roomName, unsubscribe)
    }

    relaying(roomName: string): Promise<void> {
        return this.isLocal(roomName) ? Promise.resolve() : this.bus.subscribed(roomName)
    }

    unwatched(roomName: string): void {
        const unsubscribe = this.remote.get(roomName)
        if (!unsubscribe) return
        unsubscribe()
        this.remote.delete(roomName)
        // A room hosted here goes on being fed by its engine; one hosted elsewhere now goes unheard.
        if (!this.isLocal(roomName)) this.feeds.relayStopped(roomName)
    }

    close(): void {
        for (const unsubscribe of this.remote.values()) unsubscribe()
        this.remote.clear()
        this.feeds.observer = undefined
    }
}
