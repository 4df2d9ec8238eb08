// Composition root: builds the store, the services and the HTTP server, and wires them. Nothing else
// wires things. The WebSocket layer plugs in through `attach` (it receives the same services and hands
// back its live rooms and its close()).
import { version } from '@sonolus/core'
import Fastify, {
    LogController,
    type FastifyBaseLogger,
    type FastifyError,
    type FastifyInstance,
    type FastifyReply,
    type FastifyRequest,
} from 'fastify'
import { registerApiDocs } from './api/docs.js'
import { apiErrorHandler } from './api/errors.js'
import { apiPlugin } from './api/plugin.js'
import { ApiTokenService } from './auth/api-tokens.js'
import { SessionService } from './auth/sessions.js'
import { SignatureVerifier } from './auth/signature.js'
import { SignedRequestVerifier } from './auth/signed-request.js'
import { VerifierPool } from './auth/verifier-pool.js'
import { ExternalLogins } from './auth/external-login.js'
import { loginEndpointUrl, webRoutes } from './web/routes.js'
import { StoreJoinSessions, type JoinSessions } from './auth/join-sessions.js'
import type { Config } from './config.js'
import { registerCommonHooks } from './http/common-hooks.js'
import { isApiPath } from './http/api-path.js'
import { installConnectionCap, type ConnectionGate } from './http/connection-cap.js'
import { registerGracefulClose } from './http/graceful-close.js'
import { registerRawJsonParser } from './http/raw-json.js'
import type { Cluster } from './cluster/cluster.js'
import { openCluster } from './cluster/open.js'
import { Moderation } from './moderation/moderation.js'
import { ServerBans } from './moderation/server-bans.js'
import { Metrics } from './ops/metrics.js'
import { registerMetrics } from './ops/metrics-route.js'
import { registerReadiness } from './ops/readiness.js'
import { loggerOptions, registerRequestLog } from './ops/request-log.js'
import { serverTimeouts } from './http/timeouts.js'
import { RoomDirectory } from './rooms/directory.js'
import { RoomFeeds } from './rooms/room-feeds.js'
import { closeLostRooms } from './rooms/lost-rooms.js'
import { FeedRelay } from './rooms/feed-relay.js'
import type { RoomHub } from './rooms/hub.js'
import { RoomRouting } from './routing.js'
import { DeadNodeSweep } from './rooms/dead-nodes.js'
import { sharedLiveSource } from './rooms/shared-live-source.js'
import type { LiveRoomSource } from './rooms/live-info.js'
import type { PasswordHasher } from './rooms/passwords.js'
import { loadBanner } from './sonolus/banner.js'
import type { SonolusServices } from './sonolus/context.js'
import { sonolusErrorHandler, sonolusNotFoundHandler } from './sonolus/errors.js'
import { sonolusPlugin } from './sonolus/plugin.js'
import { openStore } from './store/open.js'
import type { Store } from './store/store.js'

/** What `attach` receives: everything the WebSocket layer needs, already built. */
export type AttachContext = {
    fastify: FastifyInstance
    config: Config
    store: Store
    directory: RoomDirectory
    joinSessions: JoinSessions
    sessions: SessionService
    /** Each room's event feed (REST API server-sent events); the WebSocket layer publishes into it. */
    feeds: RoomFeeds
    logger: FastifyBaseLogger
    now: () => number
    /** Per-address connection cap for WebSocket upgrades (undefined: no cap). */
    connectionGate?: ConnectionGate
    /** What this node shares with the others (the one-node implementation when there are none). */
    cluster: Cluster
    /** The app's Prometheus metrics; the WebSocket layer reports rooms, players, frames and closes. */
    metrics?: Metrics
}

export type Attachment = {
    /** Live rooms of this node; the directory reads player counts, status and membership from it. */
    liveRooms?: LiveRoomSource
    /** The live rooms themselves: REST chat, views and moderation reach them (src/routing.ts). */
    hub?: RoomHub
    /** Connected players now (the node's load, for room placement). */
    players?: () => number
    /** Called first on shutdown (tell rooms, flush), before HTTP and the store close. */
    close(): Promise<void>
}

export type AppDeps = {
    /** A store to use instead of opening the configured one, or a factory told where to report commit
     * times (tests open their own stores); the app closes it either way. */
    store?: Store | ((onCommit: (seconds: number) => void) => Promise<Store>)
    /** Clock in Unix ms (tests move it). */
    now?: () => number
    /** Live room facts when no attachment provides them. */
    liveRooms?: LiveRoomSource
    attach?: (ctx: AttachContext) => Attachment | Promise<Attachment>
    /** Room password hashing instead of scrypt at config.passwordScryptN (tests wrap it to count KDF calls). */
    passwords?: PasswordHasher
    /** Where log lines go instead of stdout (tests read them). */
    logStream?: { write(line: string): void }
    /** This node's id (a fresh one per start otherwise). */
    nodeId?: string
}

export type App = {
    fastify: FastifyInstance
    config: Config
    store: Store
    directory: RoomDirectory
    joinSessions: JoinSessions
    sessions: SessionService
    feeds: RoomFeeds
    now: () => number
    metrics: Metrics
    cluster: Cluster
    /** The minute's upkeep: sweeps of expired rows and of the feeds, and the reload of server-wide bans. */
    upkeep(): Promise<void>
    /** Graceful stop: attachment, HTTP server, verifier threads, then store. Safe to call twice. */
    close(): Promise<void>
}

const sweepIntervalMs = 60_000
/** How long a draining node waits for the others to read its state: one heartbeat (1 s) and a margin. */
const drainNoticeMs = 1500

export { redactUrl } from './ops/request-log.js'

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<App> {
    const now = deps.now ?? Date.now
    const banner = await loadBanner(config)

    // Routes outside the API plugin (its docs pages, errors raised before routing) answer in the REST API's
    // shape under /api (its clients match on `error`), in the Sonolus shape elsewhere.
    const rootErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
        if (isApiPath(request.url, config.basePath)) apiErrorHandler(error, request, reply)
        else sonolusErrorHandler(error, request, reply)
    }
    const fastify = Fastify({
        logger: { ...loggerOptions(config.logLevel), ...(deps.logStream ? { stream: deps.logStream } : {}) },
        // One line per failed or slow request instead (ops/request-log.ts), unless ENSEMBLE_ACCESS_LOG.
        logController: new LogController({ disableRequestLogging: !config.accessLog }),
        bodyLimit: config.bodyLimit,
        trustProxy: config.trustProxy,
        ...serverTimeouts(config),
        // Queries like ?page=2 are validated as numbers; unknown configuration options pass through.
        ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false } },
        // Errors raised before routing (a malformed URL) get the same headers and body as any other.
        frameworkErrors: (error, request, reply) => {
            reply.header('Sonolus-Version', version.sonolus)
            rootErrorHandler(error, request, reply)
        },
    })

    // Opened once the logger exists: the store reports failures of its background thread there.
    const metrics = new Metrics()
    const onCommit = (seconds: number) => metrics.storeCommit.observe(seconds)
    const store =
        typeof deps.store === 'function'
            ? await deps.store(onCommit)
            : (deps.store ??
              (await openStore(config, fastify.log, now, {
                  onCommit,
                  onCheckpointHold: (seconds) => metrics.storeCheckpointHold.observe(seconds),
              })))
    let cluster: Cluster
    try {
        cluster = await openCluster(config, fastify.log, deps.nodeId)
    } catch (e) {
        await store.close()
        throw e
    }
    const sessions = new SessionService(store, config.sessionTtlMs)
    const signatures = new SignatureVerifier(config.signaturePublicKey)
    const pool = config.verifierThreads > 0 ? new VerifierPool(config.signaturePublicKey, signatures, { size: config.verifierThreads }) : undefined
    const signed = new SignedRequestVerifier(config, signatures, pool, (seconds) => metrics.signatureCheck.observe(seconds))
    const joinSessions = new StoreJoinSessions(store, config.joinSessionTtlMs, now)
    const serverBans = new ServerBans(store)
    await serverBans.load(now())
    // A single node hosts every room and none is live yet: rooms left open by the previous run lost their
    // live state and close now (history kept). With several nodes the dead-node sweep closes a dead node's.
    if (!cluster.multiNode) {
        const lost = await closeLostRooms(store, now())
        if (lost.length) fastify.log.info({ rooms: lost.length }, 'rooms left open by the previous run closed')
    }
    const directory = new RoomDirectory({
        store,
        config,
        live: deps.liveRooms,
        passwords: deps.passwords,
        onPasswordRefused: (reason) => metrics.passwordRefused.inc({ reason }),
        serverBans,
        counters: cluster.counters,
        ...(cluster.multiNode ? { nodes: cluster.nodes, clusterHealth: () => cluster.health() } : {}),
    })

    registerCommonHooks(fastify)
    registerRequestLog(fastify, { accessLog: config.accessLog, slowRequestMs: config.slowRequestMs })
    registerMetrics(fastify, metrics, { basePath: config.basePath, token: config.metricsToken })
    const connectionGate = installConnectionCap(fastify, config)
    registerGracefulClose(fastify, config.shutdownTimeoutMs)
    registerRawJsonParser(fastify, config.bodyLimit)
    fastify.setErrorHandler(rootErrorHandler)
    fastify.setNotFoundHandler(sonolusNotFoundHandler)

    const services: SonolusServices = { config, store, sessions, signed, directory, joinSessions, now, banner, serverBans }
    await registerApiDocs(fastify, config.basePath)
    await fastify.register(sonolusPlugin, { prefix: `${config.basePath}/sonolus`, ...services })
    const apiTokens = new ApiTokenService(store)
    const feeds = new RoomFeeds(500, now)
    // The hub is filled in by the attachment below: until then (and without one) no room is live here.
    let hub: RoomHub | undefined
    const routing = new RoomRouting({
        cluster,
        hub: () => hub,
        feeds,
        record: (name) => directory.get(name),
        reloadBans: () => serverBans.load(now()),
        forgetCached: (room, what) => directory.forgetCached(room, what),
        log: fastify.log,
    })
    directory.setChangeListener((room, what) => routing.roomChanged(room, what))
    const relay = cluster.multiNode ? new FeedRelay(feeds, cluster.feeds, (name) => hub?.get(name) !== undefined) : undefined
    const moderation = new Moderation({
        store,
        directory,
        feeds,
        serverBans,
        live: () => (hub ? routing : undefined),
        now,
        kickBanMs: config.kickBanMs,
    })
    await fastify.register(apiPlugin, {
        prefix: `${config.basePath}/api`,
        config,
        store,
        sessions,
        apiTokens,
        directory,
        live: routing,
        feeds,
        now,
        moderation,
        serverBans,
    })
    fastify.get(`${config.basePath}/healthz`, async () => ({ status: 'ok' }))
    const readiness = registerReadiness(fastify, config.basePath, store, cluster)
    // The web page and its sign-in with Sonolus (web sessions: the same table, their own lifetime).
    const webSessions = new SessionService(store, config.webSessionTtlMs)
    const logins = new ExternalLogins({ config, store, signatures, pool, serverBans, endpointUrl: (id) => loginEndpointUrl(config, id) })
    await webRoutes(fastify, { config, store, webSessions, logins, now })

    let attachment: Attachment | undefined
    if (deps.attach) {
        attachment = await deps.attach({
            fastify,
            config,
            store,
            directory,
            joinSessions,
            sessions,
            feeds,
            logger: fastify.log,
            now,
            connectionGate,
            metrics,
            cluster,
        })
        if (attachment.liveRooms) directory.setLiveSource(cluster.multiNode ? sharedLiveSource(attachment.liveRooms, cluster) : attachment.liveRooms)
        hub = attachment.hub
    }
    // The node's load, for placing new rooms (sent with each heartbeat).
    const players = attachment?.players
    const load = cluster.multiNode
        ? setInterval(() => cluster.nodes.reportLoad({ players: players?.() ?? 0, rooms: hub?.list().length ?? 0 }), 1000)
        : undefined
    load?.unref()
    const deadNodes = cluster.multiNode
        ? new DeadNodeSweep({
              store,
              nodes: cluster.nodes,
              now,
              log: fastify.log,
              onClosed: (names) => {
                  for (const name of names) feeds.publish(name, { type: 'closed' })
              },
          })
        : undefined
    deadNodes?.start()

    // The minute's upkeep (tests run it directly): each step reports its own failure.
    const upkeep = async (): Promise<void> => {
        const t = now()
        directory.sweep(t)
        feeds.sweep(config.emptyRoomIdleMs)
        await Promise.all([
            store.sweep(t).catch((err) => fastify.log.error({ err }, 'sweep failed')),
            // Bans written by another node (or lapsed) are picked up here, and the players banned since removed.
            routing.reloadBans().catch((err) => fastify.log.error({ err }, 'loading server bans failed')),
        ])
    }
    const sweep = setInterval(() => void upkeep(), sweepIntervalMs)
    sweep.unref()

    let closing: Promise<void> | undefined
    const close = () =>
        (closing ??= (async () => {
            clearInterval(sweep)
            clearInterval(load)
            await deadNodes?.stop()
            readiness.markStopping()
            try {
                // Several nodes: no new room is placed here from now on. The other nodes read it with their next
                // heartbeat: until they have, players closed here could be sent straight back with a new room.
                await cluster.nodes.drain().catch((err) => fastify.log.warn({ err }, 'could not mark this node draining'))
                if (cluster.multiNode) await new Promise((resolve) => setTimeout(resolve, drainNoticeMs))
                await attachment?.close()
            } finally {
                try {
                    await fastify.close()
                } finally {
                    try {
                        relay?.close()
                        await cluster.stop()
                        await pool?.close()
                    } finally {
                        await store.close()
                    }
                }
            }
        })())

    return { fastify, config, store, directory, joinSessions, sessions, feeds, now, metrics, cluster, upkeep, close }
}
