// The cluster seams shared through Redis (ENSEMBLE_REDIS_URL): several nodes, one directory of live
// rooms, shared counters, requests to the owning node, room feeds. This module composes the parts and
// runs their lifecycle: connect, first heartbeat and directory load at start; heartbeats and periodic
// directory resyncs; after every reconnect a resync (re-register, rewrite this node's rooms, reload the
// others'), during which health() is not ok; a heartbeat or resync that finds Redis did not know this node
// tells the onRejoin listeners; on stop, this node's traces are removed from Redis.
import type { Cluster, ClusterHealth } from './cluster.js'
import { RedisLink, type ClusterLog } from './redis-connection.js'
import { redisCounters } from './redis-counters.js'
import { RedisDelivery } from './redis-delivery.js'
import { RedisDirectory } from './redis-directory.js'
import { RedisFeeds } from './redis-feeds.js'
import { clusterKeys } from './redis-keys.js'
import { RedisNodes } from './redis-nodes.js'

export { ClusterRequestError } from './redis-delivery.js'

export type RedisClusterOptions = {
    /** ENSEMBLE_REDIS_URL */
    url: string
    /** This node's id (random per start, given by the app). */
    nodeId: string
    /** This node's public base URL (ENSEMBLE_NODE_URL). */
    nodeUrl: string
    log: ClusterLog
    /** Key and channel prefix, default 'ensemble:' (tests use a random one). */
    prefix?: string
    /** Default 1000. */
    heartbeatMs?: number
    /** Default 4000: a node silent this long is dead. */
    nodeTtlMs?: number
    /** How long start() waits for Redis, default 5000. */
    startTimeoutMs?: number
    /** Full reload of the other nodes' rooms, default every 5000 ms. */
    resyncMs?: number
}

/** Bound of each step of stop(). */
const stopStepMs = 1000

export function redisCluster(options: RedisClusterOptions): Cluster {
    const { nodeId, log } = options
    const heartbeatMs = options.heartbeatMs ?? 1000
    const nodeTtlMs = options.nodeTtlMs ?? 4000
    const keys = clusterKeys(options.prefix ?? 'ensemble:')
    const link = new RedisLink(options.url, log)
    const nodes = new RedisNodes(nodeId, options.nodeUrl, link, keys, nodeTtlMs, log)
    const rooms = new RedisDirectory(nodeId, link, keys, nodes, nodeTtlMs, log)
    const delivery = new RedisDelivery(nodeId, link, keys, nodes, log)
    const feeds = new RedisFeeds(link, keys, log)

    let started = false
    let stopped = false
    /** Registered, own rooms rewritten and the others' reloaded since the link last came up. */
    let synced = false
    let syncing: Promise<void> | undefined
    let beating = false
    const timers: NodeJS.Timeout[] = []
    const rejoinListeners: (() => void)[] = []
    const rejoined = () => {
        for (const listener of rejoinListeners) listener()
    }

    async function sync(): Promise<void> {
        await link.resubscribe()
        // Told before the rewrite: a failed rewrite retries the whole sync, whose beat then knows this node.
        if ((await nodes.beat()) && started) rejoined()
        await rooms.republishAll()
        await rooms.resync()
        if (link.up) synced = true
    }

    function startSync(): void {
        if (syncing || stopped) return
        syncing = sync()
            .catch((err: Error) => log.warn({ err: err.message }, 'cluster resync after reconnect failed; retrying'))
            .finally(() => (syncing = undefined))
    }

    link.onUp(() => started && startSync())
    link.onDown(() => (synced = false))

    async function heartbeat(): Promise<void> {
        if (!link.up || beating || stopped) return
        if (!synced) return startSync()
        beating = true
        try {
            // Redis did not know this node any more (it lost its data, or others took it for dead).
            if (await nodes.beat()) {
                rejoined()
                await rooms.republishAll()
            }
        } catch (err) {
            if (link.up) log.warn({ err: (err as Error).message }, 'cluster heartbeat failed')
        } finally {
            beating = false
        }
    }

    function health(): ClusterHealth {
        if (!link.up) return { ok: false, reason: `redis unreachable: ${link.reason}` }
        if (!synced) return { ok: false, reason: 'redis reconnected: resyncing' }
        // Connected but not answering (a stalled server): the other nodes are taking this one for dead.
        const silentMs = Date.now() - nodes.lastBeatAt
        if (silentMs > nodeTtlMs) return { ok: false, reason: `redis unreachable: no heartbeat answered for ${silentMs} ms` }
        return { ok: true }
    }

    async function start(): Promise<void> {
        await link.connect(options.startTimeoutMs ?? 5000)
        try {
            await sync()
        } catch (err) {
            await link.close(stopStepMs)
            throw new Error(`redis: first heartbeat failed: ${(err as Error).message}`, { cause: err })
        }
        started = true
        timers.push(setInterval(() => void heartbeat(), heartbeatMs).unref())
        timers.push(
            setInterval(() => {
                if (synced) rooms.resync().catch(() => undefined) // the next one repairs; a lost link is logged by the link
            }, options.resyncMs ?? 5000).unref(),
        )
    }

    async function stop(): Promise<void> {
        if (stopped) return
        stopped = true
        synced = false
        for (const timer of timers) clearInterval(timer)
        rooms.stop()
        delivery.stop()
        if (link.up) {
            const removal = link.run(async (redis) => {
                await redis
                    .multi()
                    .zrem(keys.nodes, nodeId)
                    .hdel(keys.nodeInfo, nodeId)
                    .del(keys.rooms(nodeId), keys.roomsSeq(nodeId))
                    .publish(keys.directoryChannel, JSON.stringify({ node: nodeId, gone: true }))
                    .exec()
            })
            let timer: NodeJS.Timeout | undefined
            const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, stopStepMs)))
            await Promise.race([removal.catch((err: Error) => log.warn({ err: err.message }, 'could not remove this node from redis')), late])
            clearTimeout(timer)
        }
        await link.close(stopStepMs)
    }

    return {
        multiNode: true,
        nodes,
        rooms,
        counters: redisCounters(link, keys),
        delivery,
        feeds,
        health,
        onRejoin: (listener) => void rejoinListeners.push(listener),
        start,
        stop,
    }
}
