// The join latency bench's players over bare TCP: a keep-alive HTTP/1.1 POST and a WebSocket upgrade
// written by hand, timing the first frame and dropping every byte after it. The load generator shares
// the two cores with the server, and fetch (undici) and ws cost it ~3 ms of CPU a join, about as much
// as the server's own work: what it spent showed as the server's latency. This costs a fraction of it.
// Only what the bench needs: one origin, requests with a body, answers with Content-Length.
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'

type Pending = { resolve: (answer: { status: number; body: string }) => void; reject: (error: Error) => void }

/** A parsed HTTP/1.1 response head: status and Content-Length, and where the body starts. */
function parseHead(buffer: Buffer, end: number): { status: number; length: number } {
    const head = buffer.toString('latin1', 0, end)
    const status = Number(head.slice(9, 12))
    const match = /\r\ncontent-length: *(\d+)/i.exec(head)
    return { status, length: match ? Number(match[1]) : 0 }
}

/** One keep-alive connection answering one request at a time. */
class HttpConnection {
    private buffer: Buffer = Buffer.alloc(0)
    private pending: Pending | undefined
    readonly socket: Socket
    closed = false

    constructor(host: string, port: number) {
        this.socket = connect({ host, port, noDelay: true })
        this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
        const fail = (error: Error) => {
            this.closed = true
            this.pending?.reject(error)
            this.pending = undefined
        }
        this.socket.on('error', fail)
        this.socket.on('close', () => fail(new Error('connection closed')))
    }

    request(head: string, body: string): Promise<{ status: number; body: string }> {
        return new Promise((resolve, reject) => {
            this.pending = { resolve, reject }
            this.socket.write(head + body)
        })
    }

    private onData(chunk: Buffer): void {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk
        const end = this.buffer.indexOf('\r\n\r\n')
        if (end < 0 || !this.pending) return
        const { status, length } = parseHead(this.buffer, end)
        if (this.buffer.length < end + 4 + length) return
        const body = this.buffer.toString('utf8', end + 4, end + 4 + length)
        this.buffer = this.buffer.subarray(end + 4 + length)
        const { resolve } = this.pending
        this.pending = undefined
        resolve({ status, body })
    }
}

/** Keep-alive POSTs to one origin, as many connections as requests in flight. */
export class RawHttp {
    private readonly idle: HttpConnection[] = []
    private readonly host: string
    private readonly port: number

    constructor(origin: string) {
        const url = new URL(origin)
        this.host = url.hostname
        this.port = Number(url.port)
    }

    async post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
        let connection = this.idle.pop()
        while (connection?.closed) connection = this.idle.pop()
        connection ??= new HttpConnection(this.host, this.port)
        const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`)
        const head =
            `POST ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\ncontent-type: application/json\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\n${lines.join('')}\r\n`
        const answer = await connection.request(head, body)
        this.idle.push(connection)
        return answer
    }

    close(): void {
        for (const connection of this.idle) connection.socket.destroy()
        this.idle.length = 0
    }
}

/** With when the TCP connection was up, the 101 answer's head was read and the first frame had all arrived (performance.now()). */
export type RawSocket = { socket: Socket; connectedAt: number; headAt: number; firstFrameAt: number; firstFrameStart: Buffer }

// Every joiner's socket reads into this one buffer (net's `onread`), which each read's callback is done
// with before it returns. With Node's default a read allocates a Buffer of its own, and the joiners'
// reads of the rooms' broadcasts (~25 a join) were part of the garbage behind the generator's major GCs
// (4-12 ms each, with first frames that had arrived waiting unread; see bench/run.ts for the rest).
const readBuffer = Buffer.allocUnsafe(256 * 1024)

/** The answer's head is short (a 101 and three headers); one that is not is not ours. */
const maxHead = 4096
/** How much of the first frame is kept: its header (2-10 bytes) and the start of its payload. */
const keptOfFrame = 74

/**
 * Opens a WebSocket (RFC 6455 client handshake) with the join answer's session and resolves once the
 * first frame has fully arrived, with the frame's first bytes; every byte after them is read and
 * dropped. Nothing of a frame is copied beyond those: the first frame is the room's UpdateEvent (up to
 * ~75 KB in a full room), which was copied whole, into a Buffer grown read by read, for every join.
 */
export function rawConnect(url: string, session: string): Promise<RawSocket> {
    const { hostname, port, pathname, search } = new URL(url)
    return new Promise((resolve, reject) => {
        let head: Buffer = Buffer.alloc(0)
        /** The first frame's first bytes once the head is read, and how many of its bytes arrived. */
        let frame: Buffer | undefined
        let frameBytes = 0
        let done = false
        let connectedAt = NaN
        let headAt = NaN
        const fail = (error: Error) => {
            done = true
            socket.destroy()
            reject(error)
        }
        const onFrameBytes = (bytes: Buffer) => {
            frameBytes += bytes.length
            if (frame!.length < keptOfFrame) frame = Buffer.concat([frame!, bytes.subarray(0, keptOfFrame - frame!.length)])
            if (frame!.length < 2) return
            let length = frame![1]! & 0x7f
            let offset = 2
            if (length === 126) {
                if (frame!.length < 4) return
                length = frame!.readUInt16BE(2)
                offset = 4
            } else if (length === 127) {
                if (frame!.length < 10) return
                length = Number(frame!.readBigUInt64BE(2))
                offset = 10
            }
            if (frameBytes < offset + length) return
            done = true
            const firstFrameAt = performance.now()
            resolve({ socket, connectedAt, headAt, firstFrameAt, firstFrameStart: frame!.subarray(0, Math.min(frame!.length, offset + length)) })
        }
        const onData = (read: number) => {
            if (done) return
            const chunk = readBuffer.subarray(0, read)
            if (frame) return onFrameBytes(chunk)
            // A copy of the head's bytes only (readBuffer is the next read's).
            const seen = head.length
            head = Buffer.concat([head, chunk.subarray(0, maxHead - seen)])
            const end = head.indexOf('\r\n\r\n')
            if (end < 0) return head.length >= maxHead ? fail(new Error('upgrade answer head too long')) : undefined
            const status = Number(head.toString('latin1', 9, 12))
            if (status !== 101) return fail(new Error(`upgrade refused: ${status}`))
            headAt = performance.now()
            frame = Buffer.alloc(0)
            onFrameBytes(chunk.subarray(end + 4 - seen))
        }
        const socket = connect({
            host: hostname,
            port: Number(port),
            noDelay: true,
            onread: { buffer: readBuffer, callback: (read) => (onData(read), true) },
        })
        socket.once('connect', () => (connectedAt = performance.now()))
        socket.once('error', (error) => {
            if (!done) reject(error)
            done = true
        })
        socket.write(
            `GET ${pathname}${search} HTTP/1.1\r\nhost: ${hostname}:${port}\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
                `sec-websocket-key: ${randomBytes(16).toString('base64')}\r\nsec-websocket-version: 13\r\n` +
                `sonolus-room-session: ${session}\r\n\r\n`,
        )
    })
}
