// The cluster seams for one node (no ENSEMBLE_REDIS_URL): every room lives here, counters are in memory,
// a request to "the owning node" is a call, and nothing needs publishing. Behaviour is that of a server
// without a cluster.
import { AttemptLimiter } from './attempt-limiter.js'
import type {
    AttemptCounter,
    AttemptCounters,
    Broadcast,
    Cluster,
    ClusterHealth,
    ClusterRequest,
    ClusterRequestHandler,
    Delivery,
    FeedBus,
    LiveDirectory,
    NodeInfo,
    NodeRegistry,
    PublishedRoom,
} from './cluster.js'

/** An in-memory sliding-window counter (synchronous underneath; async to match the shared one). */
export class LocalAttemptCounter implements AttemptCounter {
    private readonly limiter: AttemptLimiter

    constructor(max: number, windowMs: number) {
        this.limiter = new AttemptLimiter(max, windowMs)
    }

    isLimited(key: string, now: number): Promise<boolean> {
        return Promise.resolve(this.limiter.isLimited(key, now))
    }
    fail(key: string, now: number): Promise<void> {
        this.limiter.fail(key, now)
        return Promise.resolve()
    }
    reserve(key: string, now: number): Promise<boolean> {
        return Promise.resolve(this.limiter.reserve(key, now))
    }
    refund(key: string, now: number): Promise<void> {
        this.limiter.refund(key, now)
        return Promise.resolve()
    }
    retryAfterMs(key: string, now: number): Promise<number> {
        return Promise.resolve(this.limiter.retryAfterMs(key, now))
    }
    sweep(now: number): void {
        this.limiter.sweep(now)
    }
}

export const localCounters: AttemptCounters = { counter: (_name, max, windowMs) => new LocalAttemptCounter(max, windowMs) }

class LocalNodes implements NodeRegistry {
    private load = { players: 0, rooms: 0 }
    private draining = false
    private readonly startedAt = Date.now()

    constructor(
        readonly selfId: string,
        private readonly url: string,
    ) {}

    private get self(): NodeInfo {
        return { id: this.selfId, url: this.url, ...this.load, draining: this.draining, startedAt: this.startedAt }
    }
    alive(): NodeInfo[] {
        return [this.self]
    }
    isAlive(nodeId: string): boolean {
        return nodeId === this.selfId
    }
    urlOf(nodeId: string): string | undefined {
        return nodeId === this.selfId ? this.url : undefined
    }
    placeNewRoom(): string {
        return this.selfId
    }
    reportLoad(load: { players: number; rooms: number }): void {
        this.load = load
    }
    drain(): Promise<void> {
        this.draining = true
        return Promise.resolve()
    }
    aliveNow(): Promise<{ ids: string[]; at: number }> {
        return Promise.resolve({ ids: [this.selfId], at: Date.now() })
    }
}

class LocalDirectory implements LiveDirectory {
    private readonly rooms = new Map<string, PublishedRoom>()
    publish(name: string, room: PublishedRoom): void {
        this.rooms.set(name, room)
    }
    unpublish(name: string): void {
        this.rooms.delete(name)
    }
    get(name: string): PublishedRoom | undefined {
        return this.rooms.get(name)
    }
    entries(): Iterable<[string, PublishedRoom]> {
        return this.rooms.entries()
    }
}

class LocalDelivery implements Delivery {
    private handler: ClusterRequestHandler | undefined
    setHandler(handler: ClusterRequestHandler): void {
        this.handler = handler
    }
    async request(_nodeId: string, request: ClusterRequest): Promise<unknown> {
        return this.handler ? this.handler(request) : undefined
    }
    async broadcast(request: ClusterRequest): Promise<Broadcast> {
        return { answers: this.handler ? [await this.handler(request)] : [], missed: 0 }
    }
}

/** One node: no feed leaves the process. */
const localFeeds: FeedBus = { publish: () => undefined, subscribe: () => () => undefined, subscribed: () => Promise.resolve() }

/** The single-node cluster. `nodeId` is stored with the rooms this node creates. */
export function localCluster(options: { nodeId: string; nodeUrl: string }): Cluster {
    const health: ClusterHealth = { ok: true }
    return {
        multiNode: false,
        nodes: new LocalNodes(options.nodeId, options.nodeUrl),
        rooms: new LocalDirectory(),
        counters: localCounters,
        delivery: new LocalDelivery(),
        feeds: localFeeds,
        health: () => health,
        onRejoin: () => undefined, // one node: never taken for dead
        start: () => Promise.resolve(),
        stop: () => Promise.resolve(),
    }
}
