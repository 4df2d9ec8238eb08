// The two Redis connections of a node: one for commands, one for pub/sub (a subscribed connection can do
// nothing else). Both retry forever with a bounded backoff; a command while Redis is down fails at once
// (no offline queue) so callers can answer 503 instead of hanging. Subscriptions are kept here and
// renewed on every reconnect, so the other modules only say which channels they want.
import { Redis, type RedisOptions } from 'ioredis'
import { ClusterUnavailableError } from './cluster.js'

export type ClusterLog = {
    info(o: object, m?: string): void
    warn(o: object, m?: string): void
    error(o: object, m?: string): void
}

export type MessageHandler = (channel: string, text: string) => void

/** Longest wait between two reconnect attempts. */
const maxBackoffMs = 1000

const clientOptions: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1500,
    connectTimeout: 2000,
    autoResubscribe: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxBackoffMs),
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
    try {
        const parsed = new URL(url)
        if (parsed.password) parsed.password = '***'
        return parsed.toString()
    } catch {
        return '(unparsable redis URL)'
    }
}

export class RedisLink {
    readonly command: Redis
    readonly subscriber: Redis
    private lastError = 'not connected yet'
    private wasUp = false
    private everUp = false
    private closing = false
    private readonly upListeners: (() => void)[] = []
    private readonly downListeners: (() => void)[] = []
    private readonly channels = new Map<string, MessageHandler>()

    constructor(
        private readonly url: string,
        private readonly log: ClusterLog,
    ) {
        this.command = new Redis(url, { ...clientOptions, connectionName: 'ensemble-command' })
        this.subscriber = new Redis(url, { ...clientOptions, connectionName: 'ensemble-subscriber' })
        for (const client of [this.command, this.subscriber]) {
            // An 'error' event without a listener would crash the process; the state change is what we log.
            client.on('error', (err: Error) => (this.lastError = err.message || String(err)))
            client.on('ready', () => {
                this.lastError = 'connection closed' // the reason of the next loss unless an error says more
                this.changed()
            })
            client.on('close', () => this.changed())
            client.on('end', () => this.changed())
        }
        this.subscriber.on('message', (channel: string, text: string) => {
            const handler = this.channels.get(channel)
            if (!handler) return
            try {
                handler(channel, text)
            } catch (err) {
                this.log.error({ err, channel }, 'cluster message handler failed')
            }
        })
    }

    /** Both connections ready. */
    get up(): boolean {
        return this.command.status === 'ready' && this.subscriber.status === 'ready'
    }

    /** Why Redis is unreachable (the last connection error). */
    get reason(): string {
        return this.lastError
    }

    onUp(listener: () => void): void {
        this.upListeners.push(listener)
    }
    onDown(listener: () => void): void {
        this.downListeners.push(listener)
    }

    /** Connects both; rejects when Redis does not answer within `timeoutMs`. */
    async connect(timeoutMs: number): Promise<void> {
        const ready = new Promise<void>((resolve) => this.onUp(resolve))
        for (const client of [this.command, this.subscriber]) client.connect().catch(() => undefined) // retried until ready
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
        const outcome = await Promise.race([ready, timeout])
        clearTimeout(timer)
        if (outcome === 'timeout') {
            this.closing = true
            this.command.disconnect()
            this.subscriber.disconnect()
            throw new Error(`redis unreachable at ${redactedUrl(this.url)} within ${timeoutMs / 1000} s: ${this.lastError}`)
        }
    }

    /**
     * Receives the messages of `channel` (subscribed now if connected, and again after every reconnect).
     * Resolves once Redis confirmed the subscription, or at once when not connected (nor on a failure).
     */
    listen(channel: string, handler: MessageHandler): Promise<void> {
        this.channels.set(channel, handler)
        if (this.subscriber.status !== 'ready') return Promise.resolve()
        return this.subscriber.subscribe(channel).then(
            () => undefined,
            () => undefined, // renewed on reconnect
        )
    }

    unlisten(channel: string): void {
        if (!this.channels.delete(channel)) return
        if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(channel).catch(() => undefined)
    }

    /** Subscribes every wanted channel again (a new connection starts with none). */
    async resubscribe(): Promise<void> {
        if (this.channels.size) await this.subscriber.subscribe(...this.channels.keys())
    }

    /** Runs a command; an unreachable Redis or a failed command becomes ClusterUnavailableError. */
    async run<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
        if (!this.up) throw new ClusterUnavailableError(`redis unreachable: ${this.lastError}`)
        try {
            return await work(this.command)
        } catch (err) {
            throw new ClusterUnavailableError(`redis: ${(err as Error).message}`)
        }
    }

    /** Closes both connections, politely within `timeoutMs`, then by force. */
    async close(timeoutMs: number): Promise<void> {
        this.closing = true
        await Promise.all(
            [this.command, this.subscriber].map(async (client) => {
                if (client.status === 'end') return
                if (client.status !== 'ready') return client.disconnect()
                let timer: NodeJS.Timeout | undefined
                const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
                await Promise.race([client.quit().catch(() => undefined), late])
                clearTimeout(timer)
                client.disconnect()
            }),
        )
    }

    /** One log line when the link is lost, one when it is back; listeners hear each change once. */
    private changed(): void {
        const up = this.up
        if (up === this.wasUp) return
        this.wasUp = up
        if (up) {
            if (this.everUp) this.log.info({ redis: redactedUrl(this.url) }, 'redis connection back')
            this.everUp = true
            for (const listener of this.upListeners) listener()
        } else {
            if (!this.closing) this.log.warn({ redis: redactedUrl(this.url), reason: this.lastError }, 'redis connection lost; retrying')
            for (const listener of this.downListeners) listener()
        }
    }
}

/** A Lua script run by EVALSHA (loaded again by ioredis when Redis lost it). */
export function defineScript(redis: Redis, name: string, keys: number, lua: string): (...args: (string | number)[]) => Promise<unknown> {
    redis.defineCommand(name, { numberOfKeys: keys, lua })
    return (...args) => (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name]!(...args)
}
