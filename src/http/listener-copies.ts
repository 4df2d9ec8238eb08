// ENSEMBLE_ACCEPT_DESCRIPTORS: more than one new connection accepted per turn of the event loop.
// libuv (1.45 on; Node 20 ships 1.46) accepts one connection each time the listening descriptor polls
// readable and leaves the next to level-triggered polling (libuv #3696). A turn that carries a few
// milliseconds of joins therefore accepts one new connection: in a burst of joins, each opening its
// WebSocket on a new connection, the connections wait in the kernel's accept queue, tens to hundreds of
// milliseconds, while the event loop answers everything it has accepted (docs/benchmarks.md, "Fifteenth
// pass"). Each descriptor of the listening socket is polled on its own, so with n descriptors a turn
// accepts up to n connections.
// Node cannot dup() a descriptor: a short-lived child process is handed the listening handle over IPC
// and sends it back; each copy arrives as a new descriptor of the same socket (SCM_RIGHTS). Connections
// accepted through a copy go to the HTTP server as its own ('connection'), so every hook sees them.
// Linux only. Should the child not start or answer, the server accepts through its one descriptor.
import { spawn, type ChildProcess } from 'node:child_process'
import { Server, type Socket } from 'node:net'

export type ListenerCopies = {
    /** Settles with the number of copies listening (0 when none could be made). */
    readonly ready: Promise<number>
    /** Stops accepting through the copies (the socket closes once the server's own descriptor closes too). */
    close(): void
}

type Log = { warn(obj: object, msg?: string): void }

// The child sends the handle back as often as asked and exits once the parent lets go of it. A raw
// handle (not a net.Server) is never listened on in the child, so the child accepts no connection.
const childSource =
    "process.on('message', (m, handle) => { for (let i = 0; i < m.copies; i++) process.send('copy', handle) });" +
    "process.on('disconnect', () => process.exit(0))"

/** Makes `count` more descriptors of `server`'s listening socket, each accepting into `server`. */
export function copyListener(server: Server, count: number, log: Log, timeoutMs = 5000): ListenerCopies {
    const handle = (server as unknown as { _handle?: object | null })._handle
    if (count <= 0 || process.platform !== 'linux' || !handle) return { ready: Promise.resolve(0), close() {} }

    const copies: Server[] = []
    let closed = false
    let done = false
    let child: ChildProcess | undefined
    let settle: (n: number) => void = () => {}
    const ready = new Promise<number>((resolve) => (settle = resolve))
    /** `error`: why it ended early; undefined once every copy has arrived, or when closed. */
    const finish = (error?: unknown) => {
        if (done) return
        done = true
        if (error !== undefined && !closed) {
            log.warn(
                { err: String(error), copies: copies.length, wanted: count },
                'listening socket not copied: one connection accepted per event-loop turn',
            )
        }
        clearTimeout(timer)
        // Disconnecting while a handle is still on its way trips an assertion inside Node: a helper that has
        // not sent every copy is killed instead (a copy already sent but not read is closed with the channel).
        if (copies.length >= count && child?.connected) child.disconnect()
        else child?.kill('SIGKILL')
        child = undefined
        settle(copies.length)
    }
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
    timer.unref()

    const adopt = (copyHandle: unknown) => {
        const copy = new Server({
            allowHalfOpen: (server as unknown as { allowHalfOpen?: boolean }).allowHalfOpen ?? false,
            // As http.Server's own (Node's default for it): small answers leave at once.
            noDelay: true,
        })
        copy.on('connection', (socket: Socket) => server.emit('connection', socket))
        copy.on('error', (err) => log.warn({ err: String(err) }, 'copy of the listening socket failed'))
        copy.listen(copyHandle)
        copies.push(copy)
    }

    try {
        // Plain child, none of this process's flags or preloads (a profiler, --import hooks).
        child = spawn(process.execPath, ['-e', childSource], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], env: {} })
        child.on('error', finish)
        child.on('exit', (code) => {
            if (copies.length < count) finish(new Error(`helper exited (${code}) after ${copies.length} copies`))
        })
        child.on('message', (_message, copyHandle) => {
            if (!copyHandle) return
            if (done) return void (copyHandle as { close?: () => void }).close?.()
            adopt(copyHandle)
            if (copies.length >= count) finish()
        })
        child.send({ copies: count }, handle as never)
    } catch (error) {
        finish(error)
    }

    return {
        ready,
        close() {
            closed = true
            for (const copy of copies.splice(0)) copy.close()
            finish()
        },
    }
}
