// A server-sent events reader, as a bot would read GET /api/rooms/{name}/events. Over node:http rather
// than fetch: closing destroys exactly this request's socket (fetch's pool left a spare connection that
// kept the test server's close waiting for its keep-alive timeout).
import { get, type ClientRequest, type IncomingMessage } from 'node:http'

export type SseEvent = { id: string | undefined; data: any }

export class SseClient {
    readonly events: SseEvent[] = []
    private cursor = 0
    private buffer = ''
    private waiters: (() => void)[] = []
    private ended = false

    private constructor(
        readonly status: number,
        private readonly request: ClientRequest,
    ) {}

    static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
        const request = get(url, { headers: { ...headers, connection: 'close' } })
        const res = await new Promise<IncomingMessage>((resolve, reject) => request.on('response', resolve).on('error', reject))
        const client = new SseClient(res.statusCode!, request)
        if (res.statusCode !== 200) {
            let text = ''
            for await (const chunk of res) text += chunk
            client.events.push({ id: undefined, data: JSON.parse(text) })
            return client
        }
        void client.read(res)
        return client
    }

    /** The next event (after those already taken) matching `predicate`. */
    async next(predicate: (data: any) => boolean = () => true, timeoutMs = 3000): Promise<SseEvent> {
        const deadline = Date.now() + timeoutMs
        for (;;) {
            while (this.cursor < this.events.length) {
                const event = this.events[this.cursor++]!
                if (predicate(event.data)) return event
            }
            if (this.ended) throw new Error('stream ended')
            const left = deadline - Date.now()
            if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.events.map((e) => e.data.type))}`)
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, left)
                this.waiters.push(() => {
                    clearTimeout(timer)
                    resolve()
                })
            })
        }
    }

    /** Resolves once the server ended the stream. */
    async endedWithin(timeoutMs = 3000): Promise<boolean> {
        const deadline = Date.now() + timeoutMs
        while (!this.ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
        return this.ended
    }

    close(): void {
        this.request.destroy()
    }

    private async read(body: IncomingMessage): Promise<void> {
        const decoder = new TextDecoder()
        try {
            for await (const chunk of body) {
                this.buffer += decoder.decode(chunk, { stream: true })
                let end: number
                while ((end = this.buffer.indexOf('\n\n')) >= 0) {
                    const block = this.buffer.slice(0, end)
                    this.buffer = this.buffer.slice(end + 2)
                    let id: string | undefined
                    const data: string[] = []
                    for (const line of block.split('\n')) {
                        if (line.startsWith('id: ')) id = line.slice(4)
                        else if (line.startsWith('data: ')) data.push(line.slice(6))
                    }
                    if (data.length) this.events.push({ id, data: JSON.parse(data.join('\n')) })
                }
                this.wake()
            }
        } catch {
            // aborted
        }
        this.ended = true
        this.wake()
    }

    private wake(): void {
        const waiters = this.waiters
        this.waiters = []
        for (const w of waiters) w()
    }
}
