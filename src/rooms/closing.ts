// When a room closes and what follows. A live room that closed itself (idle) or was closed by a moderator
// stops being offered and its event feed says so; rooms nobody ever connected to (a creator who never
// arrived, rooms left open by a restart) close once they have been quiet for the idle timeout, like an
// emptied live room does. With several nodes, each node judges only the rooms placed on it.
import type { RoomRecord, Store } from '../store/store.js'
import type { RoomDirectory } from './directory.js'
import type { RoomFeeds } from './room-feeds.js'

export type RoomClosingDeps = {
    directory: Pick<RoomDirectory, 'close'>
    store: Pick<Store, 'listOpenRooms'>
    feeds: Pick<RoomFeeds, 'publish'>
    /** Whether the room is live on this node (then its own idle timer closes it). */
    isLive(name: string): boolean
    /**
     * Whether this node judges the room: every room on a single node; with several nodes, only the rooms
     * placed on it. Its view of other nodes' rooms lags (while Redis is down or coming back, every one of
     * them looks not live), and the dead-node sweep closes the rooms of a node that died.
     */
    judges(room: RoomRecord): boolean
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

    /** A live room closed: the directory stops offering it and its feed says so. */
    closed(name: string): void {
        this.deps.feeds.publish(name, { type: 'closed' })
        void this.deps.directory.close(name, this.deps.now()).catch(this.deps.failed('close room'))
    }

    /** Closes the open rooms this node judges that are not live here and have been quiet past the idle timeout. */
    async closeAbandoned(): Promise<void> {
        const { store, directory, isLive, judges, emptyRoomIdleMs } = this.deps
        const t = this.deps.now()
        const open = await store.listOpenRooms({ viewerId: null, now: t, includeAllPrivate: true, limit: 10_000 })
        for (const room of open) {
            if (judges(room) && !isLive(room.name) && room.updatedAt < t - emptyRoomIdleMs) await directory.close(room.name, t)
        }
    }

    /** Runs closeAbandoned every minute until stop(). */
    start(): void {
        this.sweep ??= setInterval(() => void this.closeAbandoned().catch(this.deps.failed('close abandoned rooms')), abandonSweepMs)
        this.sweep.unref()
    }

    stop(): void {
        clearInterval(this.sweep)
        this.sweep = undefined
    }
}
