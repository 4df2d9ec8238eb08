// Requests to the node that owns a room, over Redis pub/sub: the request goes on the target's channel
// with a correlation id, the target runs its handler and publishes the answer (or the error's text) on
// the caller's reply channel. Nobody listening on the target's channel (the node is gone) fails at once;
// a node that listens but does not answer in time fails at the timeout. Everything received is checked
// before use: a malformed message is dropped.
import { randomUUID } from 'node:crypto'
import {
    ClusterUnavailableError,
    type Broadcast,
    type ClusterRequest,
    type ClusterRequestHandler,
    type Delivery,
    type NodeRegistry,
} from './cluster.js'
import type { ClusterLog, RedisLink } from './redis-connection.js'
import type { ClusterKeys } from './redis-keys.js'

/** The owning node ran the request and its handler failed; `code` is the thrown error's code, if any. */
export class ClusterRequestError extends Error {
    constructor(
        message: string,
        readonly code: string | undefined,
    ) {
        super(message)
    }
}

type Pending = { resolve(value: unknown): void; reject(err: Error): void; timer: NodeJS.Timeout }
type RequestMessage = { id: string; from: string; request: ClusterRequest }
type AnswerMessage = { id: string; ok: true; value?: unknown } | { id: string; ok: false; error: string; code?: string }

const isString = (v: unknown): v is string => typeof v === 'string'

/** Whether a received value is a ClusterRequest this version understands. */
export function isClusterRequest(value: unknown): value is ClusterRequest {
    if (typeof value !== 'object' || value === null) return false
    const r = value as Record<string, unknown>
    switch (r.type) {
        case 'postChat': {
            const author = r.author as Record<string, unknown> | null
            return (
                isString(r.room) &&
                isString(r.text) &&
                (r.playersOnly === undefined || typeof r.playersOnly === 'boolean') &&
                typeof author === 'object' &&
                author !== null &&
                isString(author.userId) &&
                isString(author.name)
            )
        }
        case 'closeRoom':
        case 'roomDetails':
            return isString(r.room)
        case 'kick':
            return isString(r.room) && isString(r.userId) && typeof r.until === 'number'
        case 'removeEverywhere':
            return isString(r.userId)
        case 'removeChat': {
            const message = r.message as Record<string, unknown> | null
            return (
                isString(r.room) &&
                typeof message === 'object' &&
                message !== null &&
                (message.userId === null || isString(message.userId)) &&
                isString(message.value) &&
                typeof message.at === 'number'
            )
        }
        case 'roomChanged':
            return isString(r.room) && (r.what === 'room' || r.what === 'bans')
        case 'feedSince':
            return isString(r.room) && isString(r.after)
        case 'reloadBans':
            return true
        default:
            return false
    }
}

function parse(text: string): Record<string, unknown> | undefined {
    try {
        const value = JSON.parse(text) as unknown
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined
    } catch {
        return undefined
    }
}

export class RedisDelivery implements Delivery {
    private handler: ClusterRequestHandler | undefined
    private readonly pending = new Map<string, Pending>()

    constructor(
        private readonly selfId: string,
        private readonly link: RedisLink,
        private readonly keys: ClusterKeys,
        private readonly nodes: NodeRegistry,
        private readonly log: ClusterLog,
    ) {
        void link.listen(keys.requestChannel(selfId), (_channel, text) => void this.handleRequest(text))
        void link.listen(keys.replyChannel(selfId), (_channel, text) => this.handleAnswer(text))
    }

    setHandler(handler: ClusterRequestHandler): void {
        this.handler = handler
    }

    async request(nodeId: string, request: ClusterRequest, timeoutMs = 2000): Promise<unknown> {
        if (nodeId === this.selfId) return this.handler ? this.handler(request) : undefined
        if (!this.link.up) throw new ClusterUnavailableError(`redis unreachable: ${this.link.reason}`)
        const id = randomUUID()
        const answer = new Promise<unknown>((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(id)
                reject(new ClusterUnavailableError(`node ${nodeId} did not answer within ${timeoutMs} ms`))
            }, timeoutMs)
            this.pending.set(id, { resolve, reject, timer })
        })
        const message: RequestMessage = { id, from: this.selfId, request }
        let listeners: number
        try {
            listeners = await this.link.run((redis) => redis.publish(this.keys.requestChannel(nodeId), JSON.stringify(message)))
        } catch (err) {
            this.settle(id)?.reject(err as Error)
            return answer
        }
        if (listeners === 0) this.settle(id)?.reject(new ClusterUnavailableError(`node ${nodeId} is not reachable`))
        return answer
    }

    async broadcast(request: ClusterRequest, timeoutMs = 2000): Promise<Broadcast> {
        if (!this.link.up) throw new ClusterUnavailableError(`redis unreachable: ${this.link.reason}`)
        const others = this.nodes
            .alive()
            .map((n) => n.id)
            .filter((id) => id !== this.selfId)
        // This node's own answer (or error) counts as a direct call does; other nodes' failures are left out.
        const [own, ...answers] = await Promise.allSettled([
            this.request(this.selfId, request, timeoutMs),
            ...others.map((id) => this.request(id, request, timeoutMs)),
        ])
        if (own!.status === 'rejected') throw own!.reason
        const answered = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []))
        return { answers: [own!.value, ...answered], missed: answers.length - answered.length }
    }

    /** Fails every request still waiting (stop). */
    stop(): void {
        for (const id of [...this.pending.keys()]) this.settle(id)?.reject(new ClusterUnavailableError('cluster stopped'))
    }

    private settle(id: string): Pending | undefined {
        const pending = this.pending.get(id)
        if (!pending) return undefined
        this.pending.delete(id)
        clearTimeout(pending.timer)
        return pending
    }

    private async handleRequest(text: string): Promise<void> {
        const message = parse(text)
        if (!message || !isString(message.id) || !isString(message.from) || !isClusterRequest(message.request)) {
            this.log.warn({ length: text.length }, 'malformed cluster request dropped')
            return
        }
        let answer: AnswerMessage
        try {
            if (!this.handler) throw new Error('this node does not handle cluster requests yet')
            const value = await this.handler(message.request)
            answer = { id: message.id, ok: true, value }
        } catch (err) {
            const code = (err as { code?: unknown }).code
            answer = { id: message.id, ok: false, error: (err as Error)?.message ?? String(err), ...(isString(code) ? { code } : {}) }
        }
        let body: string
        try {
            body = JSON.stringify(answer)
        } catch (err) {
            body = JSON.stringify({ id: message.id, ok: false, error: `answer is not JSON: ${(err as Error).message}` })
        }
        try {
            await this.link.run((redis) => redis.publish(this.keys.replyChannel(message.from as string), body))
        } catch (err) {
            this.log.warn({ err: (err as Error).message, request: message.request.type }, 'cluster answer not sent')
        }
    }

    private handleAnswer(text: string): void {
        const message = parse(text)
        if (!message || !isString(message.id) || typeof message.ok !== 'boolean') return
        const pending = this.settle(message.id)
        if (!pending) return // timed out already, or not ours
        if (message.ok) pending.resolve(message.value)
        else
            pending.reject(
                new ClusterRequestError(
                    isString(message.error) ? message.error : 'request failed',
                    isString(message.code) ? message.code : undefined,
                ),
            )
    }
}
