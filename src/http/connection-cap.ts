// ENSEMBLE_MAX_CONNECTIONS_PER_IP: how many connections one client address may hold at once, so one
// host cannot take every socket of the server (honest players behind one NAT share it, hence its size).
//  - Direct (ENSEMBLE_TRUST_PROXY off): every TCP connection counts, HTTP keep-alive and WebSocket alike,
//    from accept to close. One past the cap is not cut blind: its request is answered 429 with
//    Connection: close, its WebSocket upgrade is refused 429 before any socket exists, and it is destroyed
//    if it stays silent for a moment.
//  - Behind a trusted proxy every TCP connection comes from the proxy, which also reuses its upstream
//    connections for many clients: what counts then is each request in progress and each WebSocket,
//    charged to the forwarded client address; past the cap a request is answered 429 (the proxy's
//    connection stays open). The proxy's own connections are not capped here: cap them at the proxy.
//  - ENSEMBLE_CONNECTION_CAP_EXEMPT addresses are never counted; by default loopback, so a local proxy
//    that does not forward addresses (or a local tool) does not make every player one address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Config } from '../config.js'
import { t } from '../i18n.js'
import { isApiPath } from './api-path.js'
import { addressKey, clientAddress, isExemptAddress } from './client-address.js'

/** What an upgrade gets: a slot to release when its socket closes, or the refusal to answer. */
export type ConnectionSlot = { ok: true; release(): void } | { ok: false; status: number; message: string }
export type ConnectionGate = (req: IncomingMessage) => ConnectionSlot

const refusedStatus = 429
/** The REST API's fixed English text for the same refusal (its clients match on `error`). */
const apiRefusal = 'too many connections from your address, try again later'
/** An over-cap connection that has sent no request by then is destroyed (honest clients send at once). */
const silentRefusedMs = 2000
/** At most one log line per this interval about refusals, however many there are. */
const warnIntervalMs = 60_000

export class AddressCounter {
    private readonly counts = new Map<string, number>()
    constructor(private readonly max: number) {}

    tryAcquire(key: string): boolean {
        const n = this.counts.get(key) ?? 0
        if (n >= this.max) return false
        this.counts.set(key, n + 1)
        return true
    }

    release(key: string): void {
        const n = this.counts.get(key) ?? 0
        if (n <= 1) this.counts.delete(key)
        else this.counts.set(key, n - 1)
    }
}

const granted: ConnectionSlot = { ok: true, release: () => {} }

/**
 * Installs the cap on the app's HTTP server and answers the gate WebSocket upgrades pass (undefined: no
 * cap). Call before routes are registered, after the hook that sets the request's locale.
 */
export function installConnectionCap(
    fastify: FastifyInstance,
    config: Pick<Config, 'maxConnectionsPerIp' | 'trustProxy' | 'connectionCapExempt' | 'basePath'>,
): ConnectionGate | undefined {
    if (config.maxConnectionsPerIp <= 0) return undefined
    const counter = new AddressCounter(config.maxConnectionsPerIp)
    const refusal = (locale: string): ConnectionSlot => ({ ok: false, status: refusedStatus, message: t(locale, 'tooManyConnections') })
    let lastWarn = 0
    const warn = (key: string) => {
        const now = Date.now()
        if (now - lastWarn < warnIntervalMs) return
        lastWarn = now
        fastify.log.warn({ address: key, max: config.maxConnectionsPerIp }, 'connections refused: ENSEMBLE_MAX_CONNECTIONS_PER_IP reached')
    }
    // A callback hook that answers must not call done() (nor return the reply, which is thenable).
    const refuse = (request: FastifyRequest, reply: FastifyReply, close: boolean): void => {
        if (close) reply.header('connection', 'close')
        void reply
            .code(refusedStatus)
            .send(isApiPath(request.url, config.basePath) ? { error: apiRefusal } : { message: t(request.locale, 'tooManyConnections') })
    }

    if (!config.trustProxy) {
        const over = new WeakSet<Socket>()
        fastify.server.on('connection', (socket: Socket) => {
            if (isExemptAddress(socket.remoteAddress ?? '', config.connectionCapExempt)) return
            const key = addressKey(socket.remoteAddress ?? '')
            if (counter.tryAcquire(key)) {
                socket.once('close', () => counter.release(key))
                return
            }
            over.add(socket)
            warn(key)
            const fuse = setTimeout(() => socket.destroy(), silentRefusedMs)
            fuse.unref()
            socket.once('close', () => clearTimeout(fuse))
        })
        fastify.addHook('onRequest', (request, reply, done) => {
            if (over.has(request.raw.socket)) refuse(request, reply, true)
            else done()
        })
        return (req) => (over.has(req.socket) ? refusal('en') : granted)
    }

    const addressOf = (req: IncomingMessage) => clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], true)
    const keyOf = (req: IncomingMessage) => addressKey(addressOf(req))
    fastify.addHook('onRequest', (request, reply, done) => {
        if (isExemptAddress(addressOf(request.raw), config.connectionCapExempt)) return done()
        const key = keyOf(request.raw)
        if (!counter.tryAcquire(key)) {
            warn(key)
            refuse(request, reply, false)
            return
        }
        reply.raw.once('close', () => counter.release(key))
        done()
    })
    return (req) => {
        if (isExemptAddress(addressOf(req), config.connectionCapExempt)) return granted
        const key = keyOf(req)
        if (!counter.tryAcquire(key)) {
            warn(key)
            return refusal('en')
        }
        let released = false
        return {
            ok: true,
            release: () => {
                if (!released) counter.release(key)
                released = true
            },
        }
    }
}
