// A reader of a room's event feed (GET /api/rooms/{name}/events, server-sent events) written from the
// README's description alone: it checks each event as it comes and keeps who is in the room by the feed's
// player_joined / player_left, so a test can hold that against the players' own models. With several
// nodes the feed may be read through a node that relays the room: its entries keep the ids the room's
// node gave them, so the ids of one room share one prefix and their numbers only grow.
const types = new Set([
    'chat',
    'chat_deleted',
    'player_joined',
    'player_left',
    'player_status',
    'master',
    'lead',
    'title',
    'status',
    'level',
    'round_started',
    'result',
    'round_finished',
    'scoreboard',
])

const userStatuses = new Set(['waiting', 'ready', 'skipped', 'playing'])

export type FeedEvent = { type: string; at: number } & Record<string, any>

export class FeedWatcher {
    readonly events: (FeedEvent & { id: string })[] = []
    readonly members = new Set<string>()
    /** The first problem seen (a malformed or out-of-order event, a join of a member, a leave of a stranger). */
    problem: Error | undefined
    private readonly chatIds = new Set<string>()
    /** Players in the room when the feed opened: their own player_joined may still come (published a moment after the client saw it). */
    private readonly tentative = new Set<string>()
    private prefix: string | undefined
    private last = -1
    private first: number | undefined
    private readonly abort = new AbortController()
    private done: Promise<void> = Promise.resolve()

    private constructor(private readonly what: string) {}

    /** Opens the feed of `room` at `base` (a node's URL); `members`: who is in the room already. */
    static async open(base: string, room: string, members: Iterable<string>): Promise<FeedWatcher> {
        const watcher = new FeedWatcher(`feed of ${room} through ${base}`)
        for (const id of members) {
            watcher.members.add(id)
            watcher.tentative.add(id)
        }
        const res = await fetch(`${base}/api/rooms/${encodeURIComponent(room)}/events`, { signal: watcher.abort.signal })
        if (res.status !== 200 || !res.body) throw new Error(`${watcher.what}: ${res.status} ${await res.text()}`)
        if (!res.headers.get('content-type')?.startsWith('text/event-stream')) throw new Error(`${watcher.what}: ${res.headers.get('content-type')}`)
        watcher.done = watcher.read(res.body)
        return watcher
    }

    private async read(body: ReadableStream<Uint8Array>): Promise<void> {
        const decoder = new TextDecoder()
        let buffer = ''
        try {
            for await (const chunk of body) {
                buffer += decoder.decode(chunk, { stream: true })
                let end: number
                while ((end = buffer.indexOf('\n\n')) >= 0) {
                    const block = buffer.slice(0, end)
                    buffer = buffer.slice(end + 2)
                    this.onBlock(block)
                }
            }
        } catch (error) {
            if (!this.abort.signal.aborted) this.fail(`the stream broke: ${(error as Error).message}`)
            return
        }
        if (!this.abort.signal.aborted) this.fail('the stream ended')
    }

    private onBlock(block: string): void {
        let id: string | undefined
        let data = ''
        for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue // keep-alive comment
            if (line.startsWith('id: ')) id = line.slice(4)
            else if (line.startsWith('data: ')) data += line.slice(6)
            else if (/^retry: \d+$/.test(line))
                continue // the reconnection delay
            else if (line) return this.fail(`a line that is no SSE field: ${JSON.stringify(line)}`)
        }
        if (!data) return // comments only
        if (id === undefined) return this.fail(`an event without an id: ${data}`)
        let event: FeedEvent
        try {
            event = JSON.parse(data) as FeedEvent
        } catch {
            return this.fail(`data that is not JSON: ${data}`)
        }
        this.onEvent(id, event)
    }

    private onEvent(id: string, event: FeedEvent): void {
        const dot = id.lastIndexOf('.')
        const prefix = id.slice(0, dot)
        const number = Number(id.slice(dot + 1))
        if (dot < 0 || !Number.isSafeInteger(number)) return this.fail(`an id that is not <boot>.<number>: ${id}`)
        if (this.prefix !== undefined && prefix !== this.prefix) return this.fail(`id ${id} after ids of ${this.prefix}: ${JSON.stringify(event)}`)
        if (number <= this.last) return this.fail(`id ${id} after ${this.prefix}.${this.last}`)
        this.prefix = prefix
        this.last = number
        this.first ??= number
        if (!types.has(event.type)) return this.fail(`an event of an unknown type: ${JSON.stringify(event)}`)
        if (typeof event.at !== 'number') return this.fail(`an event without its time: ${JSON.stringify(event)}`)
        this.events.push({ ...event, id })
        // Entries come in the order the room's node made them: once one is here, a join made before the feed
        // opened either came first or was made before this node listened, and will not come now.
        const tentative = new Set(this.tentative)
        this.tentative.clear()
        switch (event.type) {
            case 'chat':
                this.chatIds.add(id)
                break
            case 'chat_deleted': {
                // A line from before the feed was opened may be deleted too; one after must have been seen.
                const deleted = String(event.event_id)
                const before = deleted.startsWith(`${prefix}.`) && Number(deleted.slice(prefix.length + 1)) < this.first
                if (!this.chatIds.delete(deleted) && !before) return this.fail(`chat_deleted of a line not on the feed: ${JSON.stringify(event)}`)
                break
            }
            case 'player_joined':
                if (this.members.has(event.user_id) && !tentative.has(event.user_id))
                    return this.fail(`player_joined of a player in the room: ${JSON.stringify(event)}`)
                this.members.add(event.user_id)
                break
            case 'player_left':
                if (!this.members.delete(event.user_id)) return this.fail(`player_left of a player not in the room: ${JSON.stringify(event)}`)
                break
            case 'player_status':
                if (!userStatuses.has(event.status)) return this.fail(`a player_status with an unknown status: ${JSON.stringify(event)}`)
                if (!this.members.has(event.user_id)) return this.fail(`player_status of a player not in the room: ${JSON.stringify(event)}`)
                break
            case 'master':
            case 'lead':
                // The role goes to someone in the room, or to no one (a null user has no name either).
                if (event.user_id === null ? event.name !== null : !this.members.has(event.user_id) || typeof event.name !== 'string')
                    return this.fail(`a ${event.type} that is not a player in the room or no one: ${JSON.stringify(event)}`)
                break
            case 'title':
                if (typeof event.title !== 'string' || !event.title) return this.fail(`a title that is not a text: ${JSON.stringify(event)}`)
                break
        }
    }

    /** Resolves once an event matches, or throws after `timeoutMs` (or on the watcher's first problem). */
    async until(what: string, match: (event: FeedEvent) => boolean, timeoutMs = 5000): Promise<void> {
        const deadline = Date.now() + timeoutMs
        for (;;) {
            if (this.problem) throw this.problem
            if (this.events.some(match)) return
            if (Date.now() > deadline)
                throw new Error(`${this.what}: no ${what} within ${timeoutMs} ms (it had ${JSON.stringify(this.events.slice(-5))})`)
            await new Promise((resolve) => setTimeout(resolve, 20))
        }
    }

    async close(): Promise<void> {
        this.abort.abort()
        await this.done
    }

    private fail(message: string): void {
        this.problem ??= new Error(`${this.what}: ${message}; the events before: ${JSON.stringify(this.events.slice(-8))}`)
    }
}
