// A raw TCP client for HTTP tests that need what fetch hides: a request sent in pieces (or not at all),
// the exact answer on the wire, and when the server closed the connection.
import { connect, type Socket } from 'node:net'

export type RawResponse = { status: number; headers: Record<string, string>; body: string }

export class RawConnection {
    private data = ''
    private waiters: (() => void)[] = []
    readonly openedAt = Date.now()
    /** Resolves with the milliseconds from connect to close. */
    readonly closed: Promise<number>
    isClosed = false

    private constructor(readonly socket: Socket) {
        socket.setEncoding('latin1')
        socket.on('data', (chunk: string) => {
            this.data += chunk
            this.wake()
        })
        socket.on('error', () => {})
        this.closed = new Promise((resolve) =>
            socket.once('close', () => {
                this.isClosed = true
                this.wake()
                resolve(Date.now() - this.openedAt)
            }),
        )
    }

    static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
        return new Promise((resolve, reject) => {
            const socket = connect(port, host)
            socket.once('connect', () => resolve(new RawConnection(socket)))
            socket.once('error', reject)
        })
    }

    private wake(): void {
        for (const w of this.waiters.splice(0)) w()
    }

    write(text: string): void {
        this.socket.write(text)
    }

    /** The next complete response (by Content-Length); rejects if the connection closes first or after `timeoutMs`. */
    async response(timeoutMs = 5000): Promise<RawResponse> {
        const deadline = Date.now() + timeoutMs
        for (;;) {
            const parsed = this.take()
            if (parsed) return parsed
            if (this.isClosed) throw new Error(`connection closed before a full response: ${JSON.stringify(this.data)}`)
            const left = deadline - Date.now()
            if (left <= 0) throw new Error(`no response within ${timeoutMs} ms: ${JSON.stringify(this.data)}`)
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, left)
                this.waiters.push(() => {
                    clearTimeout(timer)
                    resolve()
                })
            })
        }
    }

    private take(): RawResponse | undefined {
        const end = this.data.indexOf('\r\n\r\n')
        if (end < 0) return undefined
        const [statusLine, ...lines] = this.data.slice(0, end).split('\r\n')
        const headers: Record<string, string> = {}
        for (const line of lines) {
            const colon = line.indexOf(':')
            headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
        }
        const length = Number(headers['content-length'] ?? 0)
        if (this.data.length < end + 4 + length) return undefined
        const body = Buffer.from(this.data.slice(end + 4, end + 4 + length), 'latin1').toString('utf8')
        this.data = this.data.slice(end + 4 + length)
        return { status: Number(statusLine!.split(' ')[1]), headers, body }
    }

    /** Resolves with the close time, or rejects if the connection is still open after `timeoutMs`. */
    async closedWithin(timeoutMs: number): Promise<number> {
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs)
        })
        try {
            return await Promise.race([this.closed, late])
        } finally {
            clearTimeout(timer)
        }
    }

    destroy(): void {
        this.socket.destroy()
    }
}

/** A GET that keeps the connection open afterwards (HTTP/1.1 keep-alive). */
export const get = (path: string, headers: Record<string, string> = {}): string =>
    `GET ${path} HTTP/1.1\r\nHost: test\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`
