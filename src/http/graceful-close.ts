// Shutdown that does not wait on slow or idle clients. Node stops its request and headers timeouts once
// the server closes, so a client that sent headers and then nothing would hold the close until its
// socket timeout. At close, every connection not handling a request (idle keep-alive, a request still
// arriving, an upgrade being checked) is cut at once: a request arriving now would only get 503. Requests
// past their body (being handled) may finish for ENSEMBLE_SHUTDOWN_TIMEOUT, their answers say
// Connection: close; then whatever remains is cut.
import type { FastifyInstance } from 'fastify'
import type { Socket } from 'node:net'

export function registerGracefulClose(fastify: FastifyInstance, timeoutMs: number): void {
    const sockets = new Set<Socket>()
    /** Sockets with a request being handled, and how many (pipelined requests may overlap). */
    const busy = new Map<Socket, number>()
    let closing = false
    let deadline: NodeJS.Timeout | undefined

    fastify.server.on('connection', (socket: Socket) => {
        sockets.add(socket)
        socket.once('close', () => {
            sockets.delete(socket)
            busy.delete(socket)
        })
    })
    // preValidation: the body has arrived and been parsed; from here on the request is being handled.
    fastify.addHook('preValidation', (request, reply, done) => {
        const socket = request.raw.socket
        busy.set(socket, (busy.get(socket) ?? 0) + 1)
        reply.raw.once('close', () => {
            const n = (busy.get(socket) ?? 1) - 1
            if (n > 0) busy.set(socket, n)
            else busy.delete(socket)
        })
        done()
    })
    fastify.addHook('onSend', (_request, reply, payload, done) => {
        if (closing) reply.header('connection', 'close')
        done(null, payload)
    })
    fastify.addHook('preClose', (done) => {
        closing = true
        for (const socket of sockets) if (!busy.has(socket)) socket.destroy()
        if (sockets.size > 0) {
            deadline = setTimeout(() => {
                for (const socket of sockets) socket.destroy()
            }, timeoutMs)
            deadline.unref()
        }
        done()
    })
    fastify.addHook('onClose', (_instance, done) => {
        clearTimeout(deadline)
        done()
    })
}
