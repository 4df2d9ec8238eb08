// The seams a cluster replaces (Colyseus's Presence/Driver split is the model): what the room layer
// needs to know or do beyond this process. One node uses the in-process implementation (local.ts); with
// ENSEMBLE_REDIS_URL several nodes share these through Redis (redis.ts). `rooms/` and the API talk to
// these interfaces only, never to Redis. Nothing here imports from `rooms/` (it imports from here).
import type { RoomStatus, Sil } from '@sonolus/core'

/** Live facts of a room, as the room lists and the REST API show them. */
export type LiveRoomInfo = {
    playerCount: number
    /** Seats of the live room (a full room has playerCount >= maxPlayers). */
    maxPlayers: number
    status: RoomStatus
    level: Sil | null
    title: string
    /** Name of the player who is master now (absent while nobody is). */
    masterName?: string
}

/** A live room as a node publishes it to the others. */
export type PublishedRoom = LiveRoomInfo & {
    /** Id of the node hosting the room. */
    node: string
    /** User ids of the room's members (players, connected or within their reconnect grace). */
    members: string[]
}

/** A node as the others see it. */
export type NodeInfo = {
    id: string
    /** Public base URL of this node (ENSEMBLE_NODE_URL): a join answer's `url` is built from it. */
    url: string
    /** Connected players and live rooms, refreshed with every heartbeat (room placement reads it). */
    players: number
    rooms: number
    /** Shutting down: no new room is placed here. */
    draining: boolean
    startedAt: number
}

/** Why cross-node work cannot be done now (Redis unreachable, the owning node silent). */
export class ClusterUnavailableError extends Error {
    readonly code = 'clusterUnavailable'
}

/** Nodes and their heartbeats. */
export interface NodeRegistry {
    /** This node. */
    readonly selfId: string
    /** Nodes alive now (this one included), as of the last heartbeat read. */
    alive(): NodeInfo[]
    isAlive(nodeId: string): boolean
    /** Public base URL of a live node; undefined when it is not alive. */
    urlOf(nodeId: string): string | undefined
    /** Where a new room goes: the alive, non-draining node with the fewest players (this node when alone). */
    placeNewRoom(): string
    /** This node's load, sent with its next heartbeat. */
    reportLoad(load: { players: number; rooms: number }): void
    /** From now on no new room is placed here (SIGTERM). */
    drain(): Promise<void>
    /**
     * Ids of nodes known alive right now, read fresh (not from the last heartbeat read), with the time it
     * was read: the dead-node sweep closes the stored rooms of every other node. undefined while that cannot
     * be known (Redis unreachable, or too soon after reconnecting for every node to have beaten again).
     */
    aliveNow(): Promise<{ ids: string[]; at: number } | undefined>
}

/** The live room directory shared by every node: which rooms are live, where, and how full. */
export interface LiveDirectory {
    /** This node's live room changed (opened, joined, left, status, level, title): publish its facts. */
    publish(name: string, room: PublishedRoom): void
    /** This node's live room closed. */
    unpublish(name: string): void
    /** A live room of any alive node (this one's included, possibly a moment old). */
    get(name: string): PublishedRoom | undefined
    /** Every live room of every alive node. */
    entries(): Iterable<[string, PublishedRoom]>
}

/**
 * Attempts per key in a sliding window (wrong room passwords per player and per room, rooms created per
 * player), counted across every node. An attempt whose outcome is not known yet is reserved (counted at
 * once, so concurrent attempts cannot all pass) and refunded when it turns out not to count.
 */
export interface AttemptCounter {
    /** True when `key` has used up its attempts for the current window. */
    isLimited(key: string, now: number): Promise<boolean>
    /** Counts an attempt at `now`. */
    fail(key: string, now: number): Promise<void>
    /** Counts an attempt now if the window has room: true (refund(key, now) takes it back); false when limited. */
    reserve(key: string, now: number): Promise<boolean>
    /** Takes back one attempt counted at `now`. */
    refund(key: string, now: number): Promise<void>
    /** How long until `key` may try again (0: now). */
    retryAfterMs(key: string, now: number): Promise<number>
    /** Forgets stale local state (the Redis one expires by itself). */
    sweep(now: number): void
}

export type AttemptCounters = {
    /** Named counters: 'passwordUser', 'passwordRoom', 'roomCreate'. */
    counter(name: string, max: number, windowMs: number): AttemptCounter
}

/** Work for the node that owns a room, or for every node. Answers are plain JSON. */
export type ClusterRequest =
    /** `playersOnly`: the author must be in the game (the sender did not know them for a member). */
    | { type: 'postChat'; room: string; author: { userId: string; name: string }; text: string; playersOnly?: boolean }
    | { type: 'closeRoom'; room: string }
    | { type: 'kick'; room: string; userId: string; until: number }
    | { type: 'removeEverywhere'; userId: string }
    | { type: 'roomDetails'; room: string }
    | { type: 'removeChat'; room: string; message: { userId: string | null; value: string; at: number } }
    /** A room's record or bans changed on the sending node: the others drop what their join cache holds of it. */
    | { type: 'roomChanged'; room: string; what: RoomCacheChange }
    /** What the room's feed kept after an entry (a client resumes through another node, which could not place the id). */
    | { type: 'feedSince'; room: string; after: string }
    /** Server-wide bans changed on the sending node (one lifted): the others read them again. */
    | { type: 'reloadBans' }

/** What of a room changed: its record (title, options, closed) or its bans. */
export type RoomCacheChange = 'room' | 'bans'

export type ClusterRequestHandler = (request: ClusterRequest) => Promise<unknown>

/** Delivery of a request to the node that owns a room, and answers back. */
export interface Delivery {
    /** Handles requests addressed to this node (one handler; set by the live side once it exists). */
    setHandler(handler: ClusterRequestHandler): void
    /**
     * Sends a request to one node and waits for its answer. A request to this node runs here directly.
     * Rejects with ClusterUnavailableError when Redis is unreachable or the node does not answer in time.
     */
    request(nodeId: string, request: ClusterRequest, timeoutMs?: number): Promise<unknown>
    /**
     * Sends to every alive node (this one included): the answers of those that answered in time, and how
     * many other nodes did not. Rejects with ClusterUnavailableError when Redis is unreachable.
     */
    broadcast(request: ClusterRequest, timeoutMs?: number): Promise<Broadcast>
}

/** What a broadcast gathered: the answers (this node's first), and how many other alive nodes did not answer. */
export type Broadcast = { answers: unknown[]; missed: number }

/** A feed entry as it travels between nodes. */
export type BusFeedEntry = { id: string; data: string; at: number; event: { type: string } & Record<string, unknown> }

/** Whether a value received from another node has the fields of a feed entry (their types, not their content). */
export function isBusFeedEntry(value: unknown): value is BusFeedEntry {
    const e = value as Partial<BusFeedEntry> | null
    return (
        typeof e === 'object' &&
        e !== null &&
        typeof e.id === 'string' &&
        typeof e.data === 'string' &&
        typeof e.at === 'number' &&
        typeof e.event === 'object' &&
        e.event !== null &&
        typeof e.event.type === 'string'
    )
}

/** Each room's event feed across nodes: the owner publishes, any node's subscribers receive. */
export interface FeedBus {
    /** An entry of a room hosted here (or a room's closing, wherever it closed), for subscribers on every node. */
    publish(room: string, entry: BusFeedEntry): void
    /** Entries of a room hosted elsewhere; returns the unsubscribe function. */
    subscribe(room: string, listener: (entry: BusFeedEntry) => void): () => void
    /** Settles once entries published from now on reach this node's subscription to the room (at once when none). */
    subscribed(room: string): Promise<void>
}

export type ClusterHealth = { ok: true } | { ok: false; reason: string }

/** Everything shared with other nodes. */
export interface Cluster {
    /** False for the in-process implementation (one node). */
    readonly multiNode: boolean
    readonly nodes: NodeRegistry
    readonly rooms: LiveDirectory
    readonly counters: AttemptCounters
    readonly delivery: Delivery
    readonly feeds: FeedBus
    /** For /readyz: whether cross-node work can be done now. */
    health(): ClusterHealth
    /**
     * `listener` runs whenever a heartbeat finds that Redis did not know this node: Redis lost its data, or
     * the other nodes took this one for dead, and their dead-node sweep may have closed its rooms.
     */
    onRejoin(listener: () => void): void
    /** Connects, sends the first heartbeat and loads the directory; rejects when Redis is unreachable at start. */
    start(): Promise<void>
    /** Stops heartbeats, removes this node and its rooms from the shared directory, disconnects. */
    stop(): Promise<void>
}
