// When a room closes and what follows. A live room that closed itself (idle) or was closed by a moderator
// stops being offered and its event feed says so; rooms nobody ever connected to (a creator who never
// arrived, rooms left open by a restart) close once they have been quiet for the idle timeout, like an
// emptied live room does. With several nodes, each node judges only the rooms placed on it; and a node
// the others took for dead (silent past the node ttl: stalled, or cut off from Redis) closes the live
// rooms their dead-node sweep closed in the store meanwhile, as those rooms' feeds already said.
import type { RoomRecord, Store } from '../store/store.js'
import type { RoomDirectory } from './directory.js'
import type { RoomFeeds } from './room-feeds.js'

export type RoomClosingDeps = {
    directory: Pick<RoomDirectory, 'close'>
    store: Pick<Store, 'listOpenRooms'>
    feeds: Pick<RoomFeeds, 'publish'>
    /** Whether the room is live on this node (then its own idle timer closes it), or being opened. */
    isLive(name: string): boolean
    /** The hub opens no room of this name for a while; the undo, for a close that failed to be written. */
    blockOpening(name: string): () => void
    /**
     * Whether this node judges the room: every room on a single node; with several nodes, only the rooms
     * placed on it. Its view of other nodes' rooms lags (while Redis is down or coming back, every one of
     * them looks not live), and the dead-node sweep closes the rooms of a node that died.
     */
    judges(room: RoomRecord): boolean
    /** Names of the rooms live on this node whose rows another node may have closed (none on a single node). */
    liveNames(): string[]
    /** Closes a live room the store says is closed: its players are told why. */
    closeSwept(name: string): void
    emptyRoomIdleMs: number
    now: () => number
    /** A failed store write is logged, never thrown into a room. */
    failed: (what: string) => (err: unknown) => void
}

/** How often rooms nobody connected to are looked for. */
const abandonSweepMs = 60_000

export class RoomClosing {
    private sweep: NodeJS.Timeout | undefined

    constructor(private readonly deps: RoomClosingDeps) {}

    /**
     * A live room closed: the directory stops offering it and its feed says so. `swept`: the store closed
     * it already (the other nodes' dead-node sweep), and they told their listeners; only this node's are told.
     */
    closed(name: string, swept = false): void {
        if (swept) {
            this.deps.feeds.publish(name, { type: 'closed' }, 'here')
            return
        }
        this.deps.feeds.publish(name, { type: 'closed' })
        void this.deps.directory.close(name, this.deps.now()).catch(this.deps.failed('close room'))
    }

    /**
     * Closes the open rooms this node judges that are not live here (nor being opened) and have been quiet
     * past the idle timeout.
     */
    async closeAbandoned(): Promise<void> {
        const { store, directory, isLive, judges, emptyRoomIdleMs } = this.deps
        const t = this.deps.now()
        const open = await store.listOpenRooms({ viewerId: null, now: t, includeAllPrivate: true, limit: 10_000 })
        for (const room of open) {
            if (!judges(room) || isLive(room.name) || room.updatedAt >= t - emptyRoomIdleMs) continue
            // In the same turn as the check: from here the hub will not open it, though the creator's socket may
            // arrive while the close is written, with a record read before it.
            const unblock = this.deps.blockOpening(room.name)
            try {
                await directory.close(room.name, t)
            } catch (err) {
                unblock() // still open: it may open
                throw err
            }
        }
    }

    /**
     * Closes the rooms live here that the store says are closed (the other nodes' dead-node sweep closed
     * them while they took this node for dead); their names.
     */
    async closeSwept(): Promise<string[]> {
        const names = this.deps.liveNames()
        if (!names.length) return [] // a single node: no query
        const open = await this.deps.store.listOpenRooms({ viewerId: null, now: this.deps.now(), includeAllPrivate: true, names })
        const stillOpen = new Set(open.map((room) => room.name))
        const swept = names.filter((name) => !stillOpen.has(name))
        for (const name of swept) this.deps.closeSwept(name)
        return swept
    }

    /** Runs closeAbandoned and closeSwept every minute until stop(). */
    start(): void {
        this.sweep ??= setInterval(() => {
            void this.closeAbandoned().catch(this.deps.failed('close abandoned rooms'))
            void this.closeSwept().catch(this.deps.failed('close swept rooms'))
        }, abandonSweepMs)
        this.sweep.unref()
    }

    stop(): void {
        clearInterval(this.sweep)
        this.sweep = undefined
    }
}
