// The HTTP server's timeouts, as Fastify options. Node's defaults (and Fastify's 0s) let a client that
// sends headers with a Content-Length and then nothing keep its socket forever.
import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../config.js'

type Timeouts = Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout'> & {
    http: { headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number }
}

export function serverTimeouts(config: Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs'>): Timeouts {
    const headersTimeout = Math.min(config.headersTimeoutMs, config.requestTimeoutMs)
    return {
        // Whole request (408 when it runs out); Node checks it every connectionsCheckingInterval.
        requestTimeout: config.requestTimeoutMs,
        // A socket silent this long (a client not reading its answer) is destroyed without an answer; twice
        // the request timeout so that a stalled request gets its 408 first. WebSockets turn it off when
        // they take the socket over.
        connectionTimeout: 2 * config.requestTimeoutMs,
        keepAliveTimeout: config.keepAliveTimeoutMs,
        // Given to Node's constructor too: it refuses a headers timeout above its default request timeout.
        http: {
            headersTimeout,
            requestTimeout: config.requestTimeoutMs,
            // Node's default (30 s) would let a timeout overrun by as much: check a few times per headers timeout.
            connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
        },
    }
}
