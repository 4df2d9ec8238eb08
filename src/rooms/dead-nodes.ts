// The dead-node sweep: with several nodes on one database, a room's players, round and scoreboard live
// only in the memory of the node hosting it, and die with it; its row would stay open (listed, joinable
// into nothing, counted against the caps). Every node, every interval, reads which nodes are alive and
// closes the stored rooms of every other node, and rooms of no node (stored before rooms had one); their
// history is kept. The multi-node counterpart of lost-rooms.ts, which closes every open room at the
// start of a single node.
import type { NodeRegistry } from '../cluster/cluster.js'
import type { Store } from '../store/store.js'

/** The part of a logger (pino's) the sweep reports to. */
export type DeadNodeSweepLog = { error(obj: object, msg: string): void; info(obj: object, msg: string): void }

export type DeadNodeSweepOptions = {
    store: Pick<Store, 'closeRoomsOfDeadNodes'>
    nodes: Pick<NodeRegistry, 'selfId' | 'aliveNow'>
    /** Time between the end of one sweep and the start of the next (default 1 s). */
    intervalMs?: number
    /**
     * Rooms created less than this before the nodes were read are kept (default 2 s): their node may
     * have started just now, its first heartbeat not read yet.
     */
    graceMs?: number
    now: () => number
    /** Names of the rooms a sweep closed (the app ends their feeds). */
    onClosed: (names: string[]) => void
    log: DeadNodeSweepLog
}

export class DeadNodeSweep {
    private readonly intervalMs: number
    private readonly graceMs: number
    private timer: NodeJS.Timeout | undefined
    private running: Promise<string[]> | undefined
    private started = false
    /** The last sweep failed: the next failure is not logged again, the next success is. */
    private failing = false

    constructor(private readonly options: DeadNodeSweepOptions) {
        this.intervalMs = options.intervalMs ?? 1000
        this.graceMs = options.graceMs ?? 2000
    }

    /** Sweeps every interval until stop(). */
    start(): void {
        if (this.started) return
        this.started = true
        this.schedule()
    }

    /** No sweep starts after this; resolves once a sweep under way has finished. */
    async stop(): Promise<void> {
        this.started = false
        clearTimeout(this.timer)
        this.timer = undefined
        await this.running
    }

    /** One sweep now, or the one under way (sweeps never overlap); the names it closed. Never rejects. */
    sweepNow(): Promise<string[]> {
        this.running ??= this.sweep().finally(() => (this.running = undefined))
        return this.running
    }

    private schedule(): void {
        if (!this.started) return
        // The next sweep is timed from the end of this one: a slow store never stacks sweeps up. One timer
        // at a time, even when a stop() and start() came while a sweep was under way.
        clearTimeout(this.timer)
        this.timer = setTimeout(() => void this.sweepNow().then(() => this.schedule()), this.intervalMs)
        this.timer.unref()
    }

    private async sweep(): Promise<string[]> {
        const { store, nodes, log } = this.options
        try {
            const alive = await nodes.aliveNow()
            // Unknown now (Redis unreachable, or just back): closing on a guess could close live rooms.
            if (!alive) return []
            // This node is alive whatever was read: a heartbeat of its own read late must not close its rooms.
            const ids = alive.ids.includes(nodes.selfId) ? alive.ids : [...alive.ids, nodes.selfId]
            const names = await store.closeRoomsOfDeadNodes(ids, alive.at - this.graceMs, this.options.now())
            if (this.failing) log.info({}, 'dead-node sweep works again')
            this.failing = false
            if (names.length) {
                log.info({ rooms: names.length }, 'rooms of nodes no longer alive closed')
                try {
                    this.options.onClosed(names)
                } catch (err) {
                    log.error({ err, rooms: names }, 'after closing rooms of dead nodes, ending their feeds failed')
                }
            }
            return names
        } catch (err) {
            if (!this.failing) log.error({ err }, 'dead-node sweep failed; trying again every interval (logged once until it works)')
            this.failing = true
            return []
        }
    }
}
