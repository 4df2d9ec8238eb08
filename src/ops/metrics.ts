// Prometheus metrics (prom-client) on a registry of this app's own (two apps in one process, as in
// tests, never share counters). Hot paths (every event sent, every command) only bump plain numbers;
// prom-client reads them at scrape time through collect(). Labels come from small fixed sets: route
// patterns (never raw URLs), result names, close codes, the engine's refusal reasons (capped).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { CloseCode } from '../rooms/close-codes.js'
import type { GatewayMetrics } from '../transport/gateway.js'

/** Close codes kept as labels; a client may close with any code, the rest become "other". */
const knownCloseCodes = new Set<number>([...Object.values(CloseCode), 1005, 1006, 1011])

/** What the live side reports at scrape time (set once the WebSocket layer is attached). */
export type LiveGauges = { rooms(): number; players(): number }

/** Distinct refusal reasons kept as labels; more become "other" (a bug would not explode the series). */
const maxReasons = 64

export class Metrics {
    readonly registry = new Registry()
    live: LiveGauges | undefined

    // Plain counts bumped on hot paths, exported at scrape time.
    eventsSent = 0
    eventBytes = 0
    private readonly refusals = new Map<string, number>()

    readonly roundsStarted: Counter
    readonly roundsFinished: Counter
    readonly signIns: Counter<'result'>
    readonly joins: Counter<'via' | 'result'>
    readonly passwordRefused: Counter<'reason'>
    readonly httpDuration: Histogram<'method' | 'route' | 'status'>
    readonly wsCloses: Counter<'code'>
    readonly storeCommit: Histogram
    readonly storeCheckpointHold: Histogram
    readonly joinFirstFrame: Histogram
    readonly signatureCheck: Histogram

    constructor() {
        const registers = [this.registry]
        collectDefaultMetrics({ register: this.registry, prefix: 'ensemble_' })
        const self = this
        new Gauge({
            name: 'ensemble_open_rooms',
            help: 'Live rooms on this node',
            registers,
            collect() {
                this.set(self.live?.rooms() ?? 0)
            },
        })
        new Gauge({
            name: 'ensemble_connected_players',
            help: 'Open player WebSockets on this node',
            registers,
            collect() {
                this.set(self.live?.players() ?? 0)
            },
        })
        this.roundsStarted = new Counter({ name: 'ensemble_rounds_started_total', help: 'Rounds started', registers })
        this.roundsFinished = new Counter({ name: 'ensemble_rounds_finished_total', help: 'Rounds finished', registers })
        new Counter({
            name: 'ensemble_events_sent_total',
            help: 'WebSocket frames sent to players',
            registers,
            collect() {
                this.reset()
                this.inc(self.eventsSent)
            },
        })
        new Counter({
            name: 'ensemble_event_bytes_sent_total',
            help: 'Bytes of WebSocket frames sent to players',
            registers,
            collect() {
                this.reset()
                this.inc(self.eventBytes)
            },
        })
        new Counter({
            name: 'ensemble_commands_refused_total',
            help: 'WebSocket commands refused or ignored, by reason',
            labelNames: ['reason'],
            registers,
            collect() {
                this.reset()
                for (const [reason, n] of self.refusals) this.inc({ reason }, n)
            },
        })
        this.signIns = new Counter({
            name: 'ensemble_sign_ins_total',
            help: 'Sonolus sign-ins (POST /sonolus/authenticate) by result',
            labelNames: ['result'],
            registers,
        })
        this.joins = new Counter({
            name: 'ensemble_joins_total',
            help: 'Room joins (POST /sonolus/rooms/{name}, POST /api/join_room, WebSocket upgrades) by result',
            labelNames: ['via', 'result'],
            registers,
        })
        this.passwordRefused = new Counter({
            name: 'ensemble_password_attempts_refused_total',
            help: 'Room passwords refused: wrong, or over the attempt limits',
            labelNames: ['reason'],
            registers,
        })
        this.httpDuration = new Histogram({
            name: 'ensemble_http_request_duration_seconds',
            help: 'HTTP request latency by route pattern',
            labelNames: ['method', 'route', 'status'],
            // Fine below 25 ms: the join answer's share of the join latency target is read from here.
            buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            registers,
        })
        this.wsCloses = new Counter({
            name: 'ensemble_websocket_closes_total',
            help: 'WebSocket closes by close code',
            labelNames: ['code'],
            registers,
        })
        this.storeCommit = new Histogram({
            name: 'ensemble_store_commit_seconds',
            help: 'Time to commit one batch of store writes',
            buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
            registers,
        })
        // SQLite only: writes asked for during a hold wait for its end, so a long hold is a latency tail.
        this.storeCheckpointHold = new Histogram({
            name: 'ensemble_store_checkpoint_hold_seconds',
            help: 'How long the SQLite checkpoint thread held commits so the WAL could start over',
            buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
            registers,
        })
        // Fine buckets: the join latency target is a p99 of 15-25 ms, and npm run bench reads it from here.
        this.joinFirstFrame = new Histogram({
            name: 'ensemble_join_first_event_seconds',
            help: "Time from a player's WebSocket upgrade request to their first event (UpdateEvent) leaving for the socket",
            buckets: [
                0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 1,
                2.5, 10,
            ],
            registers,
        })
        // How long a signed request waits for its signature's verdict: with verifier threads, the queue,
        // the thread and the answer's wait for the event loop. The largest share of a busy join's time.
        this.signatureCheck = new Histogram({
            name: 'ensemble_signature_check_seconds',
            help: 'Time from a signed request asking for its Sonolus-Signature check to the verdict (verifier threads included)',
            buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.5],
            registers,
        })
    }

    /**
     * The series of a labelled metric, looked up once per label set: prom-client validates and hashes the
     * labels on every observe() otherwise, a measurable share of a sign-in's event-loop time. Label
     * values here are bounded (route patterns, methods, statuses, result names).
     */
    private readonly series = new Map<string, { observe(value: number): void } | { inc(value?: number): void }>()

    /** The series under `key` (the metric and its label values, joined), made by `make` the first time. */
    private child<T extends { observe(value: number): void } | { inc(value?: number): void }>(key: string, make: () => T): T {
        let found = this.series.get(key) as T | undefined
        if (!found) {
            if (this.series.size >= 10_000) this.series.clear()
            this.series.set(key, (found = make()))
        }
        return found
    }

    /** One HTTP request answered (ops/metrics-route.ts). */
    observeRequest(method: string, route: string, status: string, seconds: number): void {
        this.child(`http ${method} ${status} ${route}`, () => this.httpDuration.labels({ method, route, status })).observe(seconds)
    }

    countSignIn(result: string): void {
        this.child(`signIn ${result}`, () => this.signIns.labels({ result })).inc()
    }

    countJoin(via: string, result: string): void {
        this.child(`join ${via} ${result}`, () => this.joins.labels({ via, result })).inc()
    }

    commandRefused(reason: string): void {
        const key = this.refusals.has(reason) || this.refusals.size < maxReasons ? reason : 'other'
        this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1)
    }

    /** The WebSocket gateway's view (transport/gateway.ts). */
    gateway(): GatewayMetrics {
        return {
            sent: (bytes) => {
                this.eventsSent++
                this.eventBytes += bytes
            },
            refused: (reason) => this.commandRefused(reason),
            closed: (code) => this.wsCloses.inc({ code: knownCloseCodes.has(code) ? String(code) : 'other' }),
            upgrade: (status) => this.countJoin('websocket', status === 101 ? 'ok' : resultOf(status)),
            firstFrame: (seconds) => this.joinFirstFrame.observe(seconds),
        }
    }

    /** The text exposition for a scrape. */
    scrape(): Promise<string> {
        return this.registry.metrics()
    }
}

/** A result label from an HTTP status: few values, stable across releases. */
export function resultOf(status: number): string {
    if (status < 300) return 'ok'
    switch (status) {
        case 400:
            return 'bad_request'
        case 401:
            return 'unauthorized'
        case 403:
            return 'forbidden'
        case 404:
            return 'not_found'
        case 409:
            return 'full'
        case 429:
            return 'rate_limited'
        case 503:
            return 'unavailable'
        default:
            return status >= 500 ? 'error' : 'refused'
    }
}
