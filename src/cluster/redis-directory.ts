// The live room directory in Redis: each node writes its own rooms to its hash (name -> PublishedRoom
// JSON) and announces each write on the directory channel, so the other nodes update their mirror at
// once; a full read of every alive node's hash on (re)connect and every few seconds repairs whatever a
// lost message missed. Bursts are coalesced: a room published many times in a few milliseconds is
// written once. Each write carries the node's sequence number, so a resync that read older data than a
// message already applied does not undo it.
import type { LiveDirectory, NodeRegistry, PublishedRoom } from './cluster.js'
import type { ClusterLog, RedisLink } from './redis-connection.js'
import type { ClusterKeys } from './redis-keys.js'

/** How long writes are gathered before one goes to Redis. */
const flushDelayMs = 20

type DirectoryMessage =
    { node: string; seq: number; set?: Record<string, PublishedRoom>; del?: string[]; full?: boolean } | { node: string; gone: true }

function isRoom(value: unknown): value is PublishedRoom {
    const room = value as PublishedRoom
    return (
        typeof room === 'object' &&
        room !== null &&
        typeof room.node === 'string' &&
        typeof room.playerCount === 'number' &&
        typeof room.maxPlayers === 'number' &&
        typeof room.status === 'string' &&
        typeof room.title === 'string' &&
        Array.isArray(room.members)
    )
}

function parseMessage(text: string): DirectoryMessage | undefined {
    let message: Record<string, unknown>
    try {
        message = JSON.parse(text) as Record<string, unknown>
    } catch {
        return undefined
    }
    if (typeof message !== 'object' || message === null || typeof message.node !== 'string') return undefined
    if (message.gone === true) return { node: message.node, gone: true }
    if (typeof message.seq !== 'number') return undefined
    const set: Record<string, PublishedRoom> = {}
    if (message.set !== undefined) {
        if (typeof message.set !== 'object' || message.set === null) return undefined
        for (const [name, room] of Object.entries(message.set)) if (isRoom(room) && room.node === message.node) set[name] = room
    }
    const del = Array.isArray(message.del) ? message.del.filter((n): n is string => typeof n === 'string') : []
    return { node: message.node, seq: message.seq, set, del, full: message.full === true }
}

export class RedisDirectory implements LiveDirectory {
    /** This node's rooms: the last value published of each (written again after Redis lost them). */
    private readonly own = new Map<string, PublishedRoom>()
    /** Own rooms changed since the last write. */
    private readonly dirty = new Set<string>()
    private flushTimer: NodeJS.Timeout | undefined
    private seq = 0
    /** Rooms of the other nodes, and the sequence number of the last update applied per node. */
    private readonly mirror = new Map<string, PublishedRoom>()
    private readonly mirrorSeq = new Map<string, number>()
    /** Local time of the last directory message of each other node. */
    private readonly lastHeard = new Map<string, number>()

    constructor(
        private readonly selfId: string,
        private readonly link: RedisLink,
        private readonly keys: ClusterKeys,
        private readonly nodes: NodeRegistry,
        /** A node not alive and silent this long is forgotten (a new node may write before our heartbeat sees it). */
        private readonly forgetAfterMs: number,
        private readonly log: ClusterLog,
    ) {
        void link.listen(keys.directoryChannel, (_channel, text) => this.received(text))
    }

    publish(name: string, room: PublishedRoom): void {
        this.own.set(name, room)
        this.changed(name)
    }

    unpublish(name: string): void {
        this.own.delete(name)
        this.changed(name)
    }

    get(name: string): PublishedRoom | undefined {
        const own = this.own.get(name)
        if (own) return own
        const room = this.mirror.get(name)
        return room && this.nodes.isAlive(room.node) ? room : undefined
    }

    *entries(): Iterable<[string, PublishedRoom]> {
        yield* this.own.entries()
        for (const [name, room] of this.mirror) if (!this.own.has(name) && this.nodes.isAlive(room.node)) yield [name, room]
    }

    /** Writes every own room again, replacing whatever Redis holds for this node (after Redis lost it). */
    async republishAll(): Promise<void> {
        this.dirty.clear()
        const seq = ++this.seq
        const set = Object.fromEntries(this.own)
        const k = this.keys
        await this.link.run(async (redis) => {
            const multi = redis.multi().del(k.rooms(this.selfId))
            if (this.own.size) multi.hset(k.rooms(this.selfId), ...[...this.own].flatMap(([name, room]) => [name, JSON.stringify(room)]))
            multi.set(k.roomsSeq(this.selfId), seq).publish(k.directoryChannel, JSON.stringify({ node: this.selfId, seq, set, full: true }))
            await multi.exec()
        })
    }

    /** Reads every alive node's rooms and replaces the mirror with them (where no newer update arrived). */
    async resync(): Promise<void> {
        const ids = this.nodes
            .alive()
            .map((n) => n.id)
            .filter((id) => id !== this.selfId)
        const k = this.keys
        const results = ids.length
            ? await this.link.run(async (redis) => {
                  const multi = redis.multi()
                  for (const id of ids) multi.hgetall(k.rooms(id)).get(k.roomsSeq(id))
                  return (await multi.exec()) ?? []
              })
            : []
        const now = Date.now()
        const keep = (node: string) => ids.includes(node) || now - (this.lastHeard.get(node) ?? 0) < this.forgetAfterMs
        for (const [name, room] of this.mirror) if (!keep(room.node)) this.mirror.delete(name)
        for (const node of [...this.mirrorSeq.keys()]) if (!keep(node)) this.forget(node)
        ids.forEach((id, i) => {
            const [hashErr, hash] = results[i * 2] ?? [new Error('missing')]
            const [seqErr, seqText] = results[i * 2 + 1] ?? [new Error('missing')]
            if (hashErr || seqErr || seqText == null) return // no write of it yet: wait for its republish
            const seq = Number(seqText)
            if (seq < (this.mirrorSeq.get(id) ?? -1)) return
            const rooms: Record<string, PublishedRoom> = {}
            for (const [name, text] of Object.entries(hash as Record<string, string>)) {
                try {
                    const room = JSON.parse(text) as unknown
                    if (isRoom(room) && room.node === id) rooms[name] = room
                } catch {
                    // a malformed entry is left out
                }
            }
            this.replaceNode(id, rooms)
            this.mirrorSeq.set(id, seq)
        })
    }

    /** Forgets the gathered writes (stop). */
    stop(): void {
        clearTimeout(this.flushTimer)
        this.flushTimer = undefined
    }

    private changed(name: string): void {
        this.dirty.add(name)
        this.flushTimer ??= setTimeout(() => {
            this.flushTimer = undefined
            this.flush().catch((err: Error) => this.log.warn({ err: err.message }, 'directory write failed; rewritten when Redis is back'))
        }, flushDelayMs)
    }

    private async flush(): Promise<void> {
        if (!this.dirty.size) return
        if (!this.link.up) return // everything is written again on reconnect
        const names = [...this.dirty]
        this.dirty.clear()
        const set: Record<string, PublishedRoom> = {}
        const del: string[] = []
        for (const name of names) {
            const room = this.own.get(name)
            if (room) set[name] = room
            else del.push(name)
        }
        const seq = ++this.seq
        const k = this.keys
        const hash = k.rooms(this.selfId)
        await this.link.run(async (redis) => {
            const multi = redis.multi()
            if (Object.keys(set).length) multi.hset(hash, ...Object.entries(set).flatMap(([name, room]) => [name, JSON.stringify(room)]))
            if (del.length) multi.hdel(hash, ...del)
            multi.set(k.roomsSeq(this.selfId), seq).publish(k.directoryChannel, JSON.stringify({ node: this.selfId, seq, set, del }))
            await multi.exec()
        })
    }

    private received(text: string): void {
        const message = parseMessage(text)
        if (!message || message.node === this.selfId) return
        if ('gone' in message) return this.forget(message.node)
        this.lastHeard.set(message.node, Date.now())
        if (message.seq <= (this.mirrorSeq.get(message.node) ?? -1)) return
        this.mirrorSeq.set(message.node, message.seq)
        if (message.full) this.replaceNode(message.node, message.set ?? {})
        else {
            for (const [name, room] of Object.entries(message.set ?? {})) this.mirror.set(name, room)
            for (const name of message.del ?? []) if (this.mirror.get(name)?.node === message.node) this.mirror.delete(name)
        }
    }

    private forget(node: string): void {
        this.replaceNode(node, {})
        this.mirrorSeq.delete(node)
        this.lastHeard.delete(node)
    }

    private replaceNode(node: string, rooms: Record<string, PublishedRoom>): void {
        for (const [name, room] of this.mirror) if (room.node === node) this.mirror.delete(name)
        for (const [name, room] of Object.entries(rooms)) this.mirror.set(name, room)
    }
}
