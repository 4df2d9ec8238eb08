// Plugs the multiplayer side into the app: the hub of live rooms (persisting through the store) and
// the WebSocket gateway on the app's HTTP server. app.ts calls this; nothing else wires it.
import type { AttachContext, Attachment } from '../app.js'
import { feedEventsOf, scoreboardOf, type FeedMemory } from '../rooms/feed-events.js'
import { RoomClosing } from '../rooms/closing.js'
import { RoomHub } from '../rooms/hub.js'
import type { FeedEvent } from '../rooms/room-feeds.js'
import type { EngineRoom } from '../multiplayer/index.js'
import type { RoomPersistence } from '../rooms/live-room.js'
import { commitPointQueue } from './commit-point.js'
import { createGateway, type Gateway } from './gateway.js'
import type { EngineLimits } from '../multiplayer/index.js'
import { defaultFloodPolicy, type FloodPolicy } from './rate-limit.js'

export type MultiplayerAttachment = Attachment & {
    hub: RoomHub
    gateway: Gateway
    /** Closes open rooms that are not live and have been quiet past the idle timeout (runs every minute). */
    closeAbandoned(): Promise<void>
}

/** Limits that stay in code (benchmarks and tests lift them; operators have no need to). */
export type MultiplayerTuning = { limits?: Partial<EngineLimits>; flood?: FloodPolicy }

/** After a rejoin, the second look for rooms the other nodes' sweep closed. */
const rejoinRecheckMs = 3000

/** Clients reject a RoomUser whose join is over 24 h old (https://wiki.sonolus.com/round-multiplayer-server-specs/misc/room-user); leave a margin. */
const maxJoinAgeMs = 23 * 60 * 60 * 1000

export function attachMultiplayer(ctx: AttachContext, tuning: MultiplayerTuning = {}): MultiplayerAttachment {
    const { config, store, directory, logger, now, cluster } = ctx
    // Writes run in order per process; a failed write is logged, never thrown into a room.
    const failed = (what: string) => (err: unknown) => logger.error({ err, what }, 'store write failed')
    const persistence: RoomPersistence = {
        chat: (roomName, message, at) =>
            void store.insertChatMessage({ roomName, userId: message.userId, type: message.type, value: message.value, at }).catch(failed('chat')),
        result: (roomName, round, userId, result, at) =>
            void store.insertRoundResult({ roomName, round, userId, result, at }).catch(failed('result')),
        report: (roomName, reporterId, targetId, optionValues, at) =>
            void store.insertReport({ roomName, reporterId, targetId, optionValues, at }).catch(failed('report')),
        // A kick's ban and a title or options change are written here, not through the directory: it is told
        // once they are written, so that other nodes' join caches read them again.
        ban: (roomName, userId, until) =>
            void store
                .addRoomBan(roomName, userId, until)
                .then(() => directory.changed(roomName, 'bans'))
                .catch(failed('ban')),
        roomChanged: (roomName, patch) =>
            void store
                .updateRoom(roomName, patch)
                .then(() => directory.changed(roomName, 'room'))
                .catch(failed('room')),
    }

    // Each room's engine output, as the room's event feed (REST API server-sent events). Published at the
    // turn's commit point, as the players' frames leave: a chat line, result or report seen on the feed is
    // on disk. One queue in order, published once per turn.
    const atCommitPoint = commitPointQueue((then) => store.afterCommit(then))
    let feedQueue: { roomName: string; event: FeedEvent }[] = []
    const publishFeed = () => {
        const queue = feedQueue
        feedQueue = []
        for (const { roomName, event } of queue) ctx.feeds.publish(roomName, event)
    }
    const queueFeed = (roomName: string, event: FeedEvent) => {
        if (feedQueue.push({ roomName, event }) === 1) atCommitPoint(publishFeed)
    }
    const feedMemory = new WeakMap<EngineRoom, FeedMemory>()
    const observe = (roomName: string, engine: EngineRoom, output: Parameters<typeof feedEventsOf>[1]) => {
        if (ctx.metrics) {
            for (const effect of output.effects) {
                if (effect.type === 'roundStarted') ctx.metrics.roundsStarted.inc()
                else if (effect.type === 'roundFinished') ctx.metrics.roundsFinished.inc()
            }
        }
        let memory = feedMemory.get(engine)
        if (!memory) feedMemory.set(engine, (memory = { scoreboard: JSON.stringify(scoreboardOf(engine)) }))
        for (const event of feedEventsOf(engine, output, memory, now())) queueFeed(roomName, event)
    }

    const hub = new RoomHub({
        observe,
        timings: {
            reconnectGraceMs: config.reconnectGraceMs,
            emptyRoomIdleMs: config.emptyRoomIdleMs,
            kickBanMs: config.kickBanMs,
            maxJoinAgeMs,
        },
        persistence,
        limits: tuning.limits,
        now,
        random: Math.random,
        address: config.address,
        log: logger,
        // Several nodes: only a room placed on this node opens here (a join session for another node's room
        // is refused as if the room did not exist).
        loadRoom: async (name) => {
            const room = await directory.getOpen(name)
            return room && (!cluster.multiNode || room.nodeId === cluster.nodes.selfId) ? room : undefined
        },
        isBanned: (roomName, userId, at) => directory.isBanned(roomName, userId, at),
        roomClosed: (name, why) => closing.closed(name, why === 'swept'),
        ...(cluster.multiNode ? { shared: { directory: cluster.rooms, nodeId: cluster.nodes.selfId } } : {}),
    })
    const closing = new RoomClosing({
        directory,
        store,
        feeds: ctx.feeds,
        isLive: (name) => hub.isLiveOrOpening(name),
        blockOpening: (name) => hub.blockOpening(name),
        // Several nodes: another node's room is that node's to judge. Judged from here, every one of them
        // would look not live while Redis is down, and quiet ones (no title or option change for the idle
        // timeout, however busy their players) would be closed under their players.
        judges: (room) => !cluster.multiNode || room.nodeId === cluster.nodes.selfId,
        // On one node no other node closes rows under its live rooms: the minute's check costs nothing there.
        liveNames: () => (cluster.multiNode ? hub.list().map((room) => room.name) : []),
        closeSwept: (name) => void hub.closeRoom(name, 'swept'),
        emptyRoomIdleMs: config.emptyRoomIdleMs,
        now,
        failed,
    })
    closing.start()
    // Taken for dead by the other nodes (or Redis lost its data): close at once what their sweep closed, and
    // look again a moment later for a sweep that had read the nodes just before this one beat again.
    const closeSwept = () => void closing.closeSwept().catch(failed('close swept rooms'))
    cluster.onRejoin(() => {
        closeSwept()
        setTimeout(closeSwept, rejoinRecheckMs).unref()
    })

    const gateway = createGateway(
        ctx.fastify.server,
        ctx.joinSessions,
        hub,
        {
            basePath: config.basePath,
            maxPayload: config.wsMaxPayload,
            heartbeatIntervalMs: config.heartbeatIntervalMs,
            maxBufferedBytes: config.maxBufferedBytes,
            flood: tuning.flood ?? defaultFloodPolicy,
            connectionGate: ctx.connectionGate,
            metrics: ctx.metrics?.gateway(),
            atCommitPoint,
        },
        logger,
    )

    if (ctx.metrics) ctx.metrics.live = { rooms: () => hub.list().length, players: () => gateway.connections }

    return {
        hub,
        gateway,
        liveRooms: hub,
        players: () => gateway.connections,
        closeAbandoned: () => closing.closeAbandoned(),
        async close() {
            closing.stop()
            hub.shutdown()
            await gateway.close()
        },
    }
}
