// Node heartbeats in Redis: each beat writes this node's NodeInfo with Redis's own clock (so clocks of
// the machines need not agree), removes nodes silent for nodeTtlMs (and their rooms), and reads back who
// is alive. The synchronous reads (alive, isAlive, urlOf, placeNewRoom) use that last read, aged by the
// local clock, so a node that stops beating leaves them even while this node cannot reach Redis.
import type { NodeInfo, NodeRegistry } from './cluster.js'
import { defineScript, type ClusterLog, type RedisLink } from './redis-connection.js'
import type { ClusterKeys } from './redis-keys.js'

// KEYS: nodes, nodeInfo. ARGV: self id, self NodeInfo JSON, ttl ms, rooms key prefix, rooms-seq key
// prefix, directory channel. Returns {server now, gone (1: this node was unknown or expired: Redis lost
// it or others swept it, so its rooms must be written again), [id, score]..., [info JSON]...}.
const beatLua = `
local function int(x) return string.format('%.0f', x) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local prev = redis.call('ZSCORE', KEYS[1], ARGV[1])
local gone = 0
if (not prev) or tonumber(prev) <= now - ttl then gone = 1 end
redis.call('ZADD', KEYS[1], int(now), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now - ttl))
for _, id in ipairs(dead) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('DEL', ARGV[4] .. id, ARGV[5] .. id)
    redis.call('PUBLISH', ARGV[6], cjson.encode({node = id, gone = true}))
end
local alive = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. int(now - ttl), '+inf', 'WITHSCORES')
local ids = {}
for i = 1, #alive, 2 do ids[#ids + 1] = alive[i] end
local infos = redis.call('HMGET', KEYS[2], unpack(ids))
return {now, gone, alive, infos}
`

// KEYS: nodes. ARGV: ttl ms. Ids of the nodes that beat within the ttl, by Redis's clock.
const aliveLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now - tonumber(ARGV[1])), '+inf')
`

type Known = { info: NodeInfo; beat: number }

function parseInfo(id: string, text: unknown): NodeInfo | undefined {
    if (typeof text !== 'string') return undefined
    try {
        const info = JSON.parse(text) as Partial<NodeInfo>
        if (info.id !== id || typeof info.url !== 'string' || typeof info.players !== 'number' || typeof info.rooms !== 'number') return undefined
        return {
            id,
            url: info.url,
            players: info.players,
            rooms: info.rooms,
            draining: info.draining === true,
            startedAt: Number(info.startedAt) || 0,
        }
    } catch {
        return undefined
    }
}

export class RedisNodes implements NodeRegistry {
    private load = { players: 0, rooms: 0 }
    private draining = false
    private readonly startedAt = Date.now()
    /** Other nodes as of the last beat, with Redis's clock then and the local clock when it was read. */
    private known = new Map<string, Known>()
    private serverNow = 0
    private readAt = 0
    /** Local time of the last heartbeat Redis answered (0: none yet). */
    lastBeatAt = 0
    /** Local time the link last came up: aliveNow waits nodeTtlMs after it. */
    private connectedAt = Date.now()
    private readonly beatScript: (...args: (string | number)[]) => Promise<unknown>
    private readonly aliveScript: (...args: (string | number)[]) => Promise<unknown>

    constructor(
        readonly selfId: string,
        private readonly url: string,
        private readonly link: RedisLink,
        private readonly keys: ClusterKeys,
        private readonly ttlMs: number,
        private readonly log: ClusterLog,
    ) {
        this.beatScript = defineScript(link.command, 'ensembleNodeBeat', 2, beatLua)
        this.aliveScript = defineScript(link.command, 'ensembleNodesAlive', 1, aliveLua)
        link.onUp(() => (this.connectedAt = Date.now()))
    }

    private get self(): NodeInfo {
        return { id: this.selfId, url: this.url, ...this.load, draining: this.draining, startedAt: this.startedAt }
    }

    /**
     * Beats once: registers this node with its load, sweeps dead nodes, refreshes the local copy.
     * Resolves true when Redis did not know this node (first beat, Redis restarted, or swept as dead):
     * its rooms must be written again. Rejects with ClusterUnavailableError when Redis is unreachable.
     */
    async beat(): Promise<boolean> {
        const k = this.keys
        const self = JSON.stringify(this.self)
        const [now, gone, alive, infos] = (await this.link.run(() =>
            this.beatScript(k.nodes, k.nodeInfo, this.selfId, self, this.ttlMs, k.roomsPrefix, k.roomsSeqPrefix, k.directoryChannel),
        )) as [number, number, string[], (string | null)[]]
        const known = new Map<string, Known>()
        for (let i = 0; i < alive.length; i += 2) {
            const id = alive[i]!
            const info = id === this.selfId ? undefined : parseInfo(id, infos[i / 2])
            if (info) known.set(id, { info, beat: Number(alive[i + 1]) })
        }
        this.known = known
        this.serverNow = now
        this.readAt = this.lastBeatAt = Date.now()
        return gone === 1
    }

    alive(): NodeInfo[] {
        const others = [...this.known.values()].filter((k) => this.fresh(k)).map((k) => k.info)
        return [this.self, ...others]
    }

    isAlive(nodeId: string): boolean {
        if (nodeId === this.selfId) return true
        const known = this.known.get(nodeId)
        return known !== undefined && this.fresh(known)
    }

    urlOf(nodeId: string): string | undefined {
        if (nodeId === this.selfId) return this.url
        const known = this.known.get(nodeId)
        return known && this.fresh(known) ? known.info.url : undefined
    }

    placeNewRoom(): string {
        const candidates = this.alive().filter((n) => !n.draining)
        if (!candidates.length) return this.selfId
        candidates.sort((a, b) => a.players - b.players || a.rooms - b.rooms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        return candidates[0]!.id
    }

    reportLoad(load: { players: number; rooms: number }): void {
        this.load = { players: load.players, rooms: load.rooms }
    }

    async drain(): Promise<void> {
        this.draining = true
        try {
            await this.beat()
        } catch (err) {
            this.log.warn({ err }, 'draining: could not tell the other nodes now (they see it with the next heartbeat)')
        }
    }

    async aliveNow(): Promise<{ ids: string[]; at: number } | undefined> {
        if (!this.link.up || Date.now() - this.connectedAt < this.ttlMs) return undefined
        const at = Date.now()
        try {
            const ids = (await this.link.run(() => this.aliveScript(this.keys.nodes, this.ttlMs))) as string[]
            return { ids: ids.includes(this.selfId) ? ids : [...ids, this.selfId], at }
        } catch {
            return undefined
        }
    }

    /** Whether a node's last beat is within the ttl of Redis's clock now (estimated from the last read). */
    private fresh(known: Known): boolean {
        return known.beat > this.serverNow + (Date.now() - this.readAt) - this.ttlMs
    }
}
