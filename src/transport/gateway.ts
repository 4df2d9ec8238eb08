// The WebSocket gateway: authenticates the upgrade with the single-use join session before any socket
// exists, then carries frames between a socket and its live room with the transport's guards
// (frame size, heartbeat, flood control, backpressure).
import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import type { JoinSessions } from '../auth/join-sessions.js'
import type { ConnectionGate } from '../http/connection-cap.js'
import type { RoomAdmitter, SeatRefusal } from '../rooms/admission.js'
import type { Admission, LiveRoom } from '../rooms/live-room.js'
import { startHeartbeat } from './heartbeat.js'
import type { Peer } from '../rooms/peer.js'
import { CloseCode, CloseReason } from '../rooms/close-codes.js'
import { FloodGuard, type FloodPolicy } from './rate-limit.js'
import { writeTextFrame } from './text-frame.js'
import { commitPointQueue, type AtCommitPoint } from './commit-point.js'

export type GatewayOptions = {
    /** Path prefix the server is mounted at ('' or '/something'). */
    basePath: string
    maxPayload: number
    heartbeatIntervalMs: number
    maxBufferedBytes: number
    flood: FloodPolicy
    /** Per-address connection cap, checked before anything else; its slot is released when the socket closes. */
    connectionGate?: ConnectionGate
    /** Counts frames, refusals, closes and upgrades (ops/metrics.ts); absent: nothing counted. */
    metrics?: GatewayMetrics
    /**
     * The store's commit point (commit-point.ts over Store.afterCommit): a turn's frames leave once the
     * writes they reveal (chat lines, results, the spent join session) have committed. Absent: they leave
     * at the turn's end.
     */
    atCommitPoint?: AtCommitPoint
}

/** What the gateway reports; plain calls on hot paths, so an implementation must be cheap. */
export type GatewayMetrics = {
    sent(bytes: number): void
    refused(reason: string): void
    closed(code: number): void
    upgrade(status: number): void
    /** Seconds from a player's upgrade request to their first frame (the UpdateEvent) leaving for the socket. */
    firstFrame?(seconds: number): void
}

/** How the upgrade answers a refused admission. */
const refusals: Record<'roomNotFound' | SeatRefusal, { status: number; message: string }> = {
    roomNotFound: { status: 404, message: 'room not found' },
    roomBanned: { status: 403, message: 'banned from this room' },
    roomLocked: { status: 403, message: 'room is private' },
    roomFull: { status: 409, message: 'room is full' },
}

type Logger = { warn(obj: object, msg?: string): void; debug?(obj: object, msg?: string): void }

type Connection = {
    ws: WebSocket
    peer: Peer
    room: LiveRoom
    userId: string
    guard: FloodGuard
    alive: boolean
    /** Its slot in the heartbeat (heartbeat.ts). */
    beatSlot: number | undefined
    closedByServer: boolean
    /** performance.now() of the upgrade request, until the first frame is sent. */
    upgradeAt: number | undefined
}

export type Gateway = {
    readonly connections: number
    close(): Promise<void>
}

const roomPath = /^\/multiplayer\/rooms\/([^/?#]+)$/

/** Largest frame still parsed over the rate limit (a StartGameplayCommand carries a LevelItem). */
const essentialFrameBytes = 16 * 1024

const isEssential = (command: unknown): boolean => {
    const type = typeof command === 'object' && command !== null ? (command as { type?: unknown }).type : undefined
    return type === 'startGameplay' || type === 'finishGameplay'
}

export function createGateway(server: Server, joinSessions: JoinSessions, admitter: RoomAdmitter, options: GatewayOptions, log: Logger): Gateway {
    const metrics = options.metrics
    const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload, perMessageDeflate: false })
    const live = new Set<Connection>()
    const heartbeat = startHeartbeat<Connection>(
        options.heartbeatIntervalMs,
        (connection) => connection.ws.ping(),
        (connection) => {
            connection.closedByServer = true
            connection.ws.terminate()
        },
    )

    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const upgradeAt = performance.now()
        // Until the socket is ours, a client error must not become an uncaught exception.
        socket.on('error', () => socket.destroy())
        const slot = options.connectionGate?.(req)
        if (slot && !slot.ok) {
            metrics?.upgrade(slot.status)
            return refuse(socket, slot.status, slot.message)
        }
        if (slot) socket.once('close', slot.release)
        upgrade(req, socket, head, upgradeAt).then(
            (status) => metrics?.upgrade(status),
            (error: unknown) => {
                log.warn({ err: String(error) }, 'websocket upgrade failed')
                metrics?.upgrade(500)
                refuse(socket, 500, 'internal error')
            },
        )
    }

    /** Answers the upgrade; resolves to the status given (101: accepted). */
    const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer, upgradeAt: number): Promise<number> => {
        const url = req.url ?? '/'
        const path = url.split('?')[0]!
        const local = options.basePath && path.startsWith(options.basePath) ? path.slice(options.basePath.length) : path
        const match = roomPath.exec(local)
        if (!match) return refuse(socket, 404, 'not found')
        let roomName: string
        try {
            roomName = decodeURIComponent(match[1]!)
        } catch {
            return refuse(socket, 404, 'not found')
        }
        const token = req.headers['sonolus-room-session']
        if (typeof token !== 'string' || !token) return refuse(socket, 401, 'missing Sonolus-Room-Session')
        const ticket = await joinSessions.consume(token)
        if (!ticket || ticket.roomName !== roomName) return refuse(socket, 401, 'invalid or used session')
        const result = await admitter.admit(ticket)
        if (!result.ok) return refuse(socket, refusals[result.reason].status, refusals[result.reason].message)
        if (socket.destroyed) return 499
        // Corked from here: the 101 answer and the first UpdateEvent leave in one write (one system call,
        // one read for the client), at the turn's commit point like every frame.
        cork(socket as Socket)
        wss.handleUpgrade(req, socket, head, (ws) => accept(ws, result.room, result.admission, upgradeAt))
        return 101
    }

    const accept = (ws: WebSocket, room: LiveRoom, admission: Admission, upgradeAt: number) => {
        const connection: Connection = {
            ws,
            room,
            userId: admission.userId,
            guard: new FloodGuard(options.flood, Date.now()),
            alive: true,
            beatSlot: undefined,
            closedByServer: false,
            upgradeAt,
            peer: undefined as unknown as Peer,
        }
        connection.peer = {
            locale: admission.locale,
            send: (data) => send(connection, data),
            close: (code, reason) => closeConnection(connection, code, reason),
        }
        live.add(connection)
        heartbeat.add(connection)
        ws.on('message', (data, isBinary) => onMessage(connection, data, isBinary))
        ws.on('pong', () => (connection.alive = true))
        // ws answers a bad frame (too big, not UTF-8) by closing with its own code; cutting the socket at
        // once lost that close frame (or ours, sent just before), so the client saw 1006. It gets a bounded
        // while to complete the close instead.
        ws.on('error', () => {
            if (ws.readyState === WebSocket.CLOSING) setTimeout(() => ws.terminate(), 5000).unref()
            else ws.terminate()
        })
        ws.on('close', (code) => {
            metrics?.closed(code)
            live.delete(connection)
            heartbeat.delete(connection)
            // A client that closes normally has left the room; anything else may come back.
            room.disconnect(connection.userId, connection.peer, code === CloseCode.normal && !connection.closedByServer)
        })
        room.connect(admission, connection.peer)
    }

    const onMessage = (connection: Connection, data: RawData, isBinary: boolean) => {
        const now = Date.now()
        const withinRate = connection.guard.take(now)
        // Over the rate, only small frames are even parsed: a gameplay command must still get through.
        const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer | ArrayBuffer).byteLength
        let command: unknown
        if (!isBinary && (withinRate || size <= essentialFrameBytes)) {
            const text = data.toString()
            // No command has a use for a NUL character, and PostgreSQL cannot store one (chat, titles): malformed.
            try {
                command = text.includes('\\u0000') ? undefined : JSON.parse(text)
            } catch {
                command = undefined
            }
        }
        if (!withinRate) {
            if (connection.guard.strike(now)) {
                closeConnection(connection, CloseCode.flood, CloseReason[CloseCode.flood]!)
                return
            }
            // Dropping start/finish gameplay would leave the player stuck in a round (the app waits for
            // an UpdateEvent after gameplay); anything else is dropped and the player resynced later.
            if (!isEssential(command)) {
                metrics?.refused('rate limited')
                connection.room.dropped(connection.userId, connection.peer)
                return
            }
        }
        const ignored = command === undefined ? 'malformed' : connection.room.receive(connection.userId, connection.peer, command)
        if (ignored) metrics?.refused(ignored)
        if (ignored && connection.guard.strike(now)) {
            closeConnection(connection, CloseCode.flood, 'too many invalid messages')
        }
    }

    // Frames sent to one socket during one turn of the event loop leave in one write: the socket is
    // corked at its first frame and uncorked once the loop's I/O callbacks are done (commit-point.ts), so
    // a burst of events (a round starting, several chat lines) costs one syscall per player, not one
    // per event. ws corks/uncorks around each frame too; corks nest, so ours holds them together.
    // The writes a turn's events reveal are committed first (the commit point): an event a player saw is on disk.
    let corked: Socket[] = []
    /** Upgrades whose first frame is in this turn's corked writes: timed once those leave. */
    let firstFrames: number[] = []
    const atCommitPoint = options.atCommitPoint ?? commitPointQueue()
    const uncorkAll = () => {
        const sockets = corked
        const upgrades = firstFrames
        corked = []
        firstFrames = []
        for (const socket of sockets) if (!socket.destroyed) socket.uncork()
        const end = performance.now()
        for (const upgradeAt of upgrades) metrics?.firstFrame?.((end - upgradeAt) / 1000)
    }
    const cork = (socket: Socket) => {
        if (socket.writableCorked > 0) return
        socket.cork()
        if (corked.push(socket) === 1) atCommitPoint(uncorkAll)
    }

    const send = (connection: Connection, data: Buffer) => {
        const { ws } = connection
        if (ws.readyState !== WebSocket.OPEN) return
        // A client that does not read must not make us buffer without bound: past the bound nothing more
        // is queued (the socket is closing) and it is told why (4004) should it ever read again; the
        // close timer cuts it off if it does not. The seat is kept for the reconnect grace.
        if (ws.bufferedAmount > options.maxBufferedBytes) {
            log.warn({ room: connection.room.name, userId: connection.userId, buffered: ws.bufferedAmount }, 'slow consumer cut off')
            closeConnection(connection, CloseCode.slowConsumer, CloseReason[CloseCode.slowConsumer]!)
            return
        }
        const socket = (ws as unknown as { _socket: Socket | null })._socket
        if (!socket) return
        cork(socket)
        if (connection.upgradeAt !== undefined) {
            if (metrics?.firstFrame) firstFrames.push(connection.upgradeAt)
            connection.upgradeAt = undefined
        }
        metrics?.sent(data.length)
        // Events are JSON text (https://wiki.sonolus.com/round-multiplayer-server-specs/state/overview), in
        // a text frame built once for every recipient of the same bytes (corked: one write).
        writeTextFrame(socket, data)
    }

    const closeConnection = (connection: Connection, code: number, reason: string) => {
        connection.closedByServer = true
        const { ws } = connection
        if (ws.readyState === WebSocket.OPEN) {
            ws.close(code, reason)
            // A peer that never answers the close handshake is cut off.
            setTimeout(() => ws.terminate(), 5000).unref()
        } else if (ws.readyState === WebSocket.CONNECTING) {
            ws.terminate()
        }
    }

    server.on('upgrade', onUpgrade)

    return {
        get connections() {
            return live.size
        },
        async close() {
            heartbeat.stop()
            server.off('upgrade', onUpgrade)
            for (const connection of live) closeConnection(connection, CloseCode.goingAway, CloseReason[CloseCode.goingAway]!)
            await new Promise<void>((resolve) => wss.close(() => resolve()))
        },
    }
}

/** Answers an upgrade with an HTTP error; returns the status (for metrics). */
function refuse(socket: Duplex, status: number, message: string): number {
    if (socket.destroyed) return status
    const body = JSON.stringify({ message })
    socket.end(
        `HTTP/1.1 ${status} ${statusText(status)}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
    return status
}

function statusText(status: number): string {
    return (
        { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error' }[
            status
        ] ?? 'Error'
    )
}
