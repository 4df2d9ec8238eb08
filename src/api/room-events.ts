// GET /api/rooms/{name}/events: the room's live feed as server-sent events, one JSON object per event
// (`data:`; its `type` says what happened) with an `id:` to resume from: a client that reconnects with
// Last-Event-ID gets what it missed first, then the live events. When the feed cannot fill the gap (ids
// from before a server restart, or older than the 500 events kept; with several nodes, this node asks
// the room's node first) the first event is `{"type":"resync"}`:
// read the room again (GET /api/rooms/{name}, .../chat). Public rooms need no token; a private room needs
// a caller who may see it. A client too slow to keep up is cut off (it resumes with Last-Event-ID).
// A stream signed in with an API token ends when the token is revoked; every heartbeat checks again
// that the caller's token is still valid and that a private room is still theirs to see.
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { FeedEntry } from '../rooms/room-feeds.js'
import { mayAccess, visibleRoom } from './access.js'
import { requestToken, resolveToken } from './auth.js'
import type { ApiServices } from './plugin.js'
import { errorResponses, RoomParams } from './schemas.js'

/** A comment line now and then keeps proxies from closing a quiet stream. */
const heartbeatMs = 15_000

const Query = Type.Object({
    last_event_id: Type.Optional(Type.String({ maxLength: 64, description: 'Same as the Last-Event-ID header (for clients that cannot set it)' })),
})

const frame = (entry: FeedEntry) => `id: ${entry.id}\ndata: ${entry.data}\n\n`

export function roomEventsRoute(app: FastifyInstance, s: ApiServices): void {
    // Open streams end before the server closes (it would otherwise wait for them forever).
    const streams = new Set<() => void>()
    app.addHook('preClose', (done) => {
        for (const close of [...streams]) close()
        done()
    })

    app.get<{ Params: Static<typeof RoomParams>; Querystring: Static<typeof Query> }>(
        '/rooms/:name/events',
        {
            config: { auth: 'optional' },
            schema: {
                tags: ['rooms'],
                summary: 'Live feed of the room (server-sent events)',
                description:
                    'text/event-stream. Each event: `id: <id>` and `data: <JSON>` whose `type` is one of chat, player_joined, ' +
                    'player_left, player_status, master, lead, title, status, level, round_started, result, round_finished, scoreboard, ' +
                    'closed, resync. ' +
                    'Resume with the Last-Event-ID header. Public rooms need no token.',
                security: [{ token: [] }, {}],
                params: RoomParams,
                querystring: Query,
                produces: ['text/event-stream'],
                response: {
                    200: Type.String({ description: 'An endless text/event-stream' }),
                    ...errorResponses(400, 401, 404),
                },
            },
        },
        async (request, reply) => {
            const room = await visibleRoom(s, request.params.name, request.caller?.userId ?? null)
            const header = request.headers['last-event-id']
            const lastEventId = (typeof header === 'string' && header ? header : request.query.last_event_id)?.trim() || undefined
            const headers = {
                'content-type': 'text/event-stream; charset=utf-8',
                'cache-control': 'no-cache, no-transform',
                'x-accel-buffering': 'no',
            }
            // A HEAD has no body to stream, so a hijacked one would never flush its headers and hang, holding
            // a subscription: it gets the headers and ends.
            if (request.method === 'HEAD') return reply.headers(headers).send()

            reply.hijack()
            const raw = reply.raw
            let open = true
            const limit = s.config.maxBufferedBytes
            const send = (text: string) => {
                if (!open) return
                raw.write(text)
                if (raw.writableLength > limit) close() // too slow: it resumes from its last id
            }
            // Live entries wait here until the stream starts, and while the room's node is asked for what this
            // one could not replay.
            let held: FeedEntry[] | undefined = []
            const { replay, unsubscribe } = s.feeds.subscribe(room.name, lastEventId, (entry) => (held ? held.push(entry) : send(frame(entry))))
            const caller = request.caller
            const stopRevoked = caller?.via === 'apiToken' ? s.apiTokens.onRevoked((id) => id === caller.tokenId && close()) : () => {}
            const token = requestToken(request)?.token
            const stillAllowed = async () => {
                const now = token ? await resolveToken(s, token) : null
                if (caller && now?.userId !== caller.userId) return false
                return room.passwordHash === null || (await mayAccess(s, room, caller?.userId ?? null))
            }
            const heartbeat = setInterval(() => {
                stillAllowed().then(
                    (ok) => (ok ? send(': keep-alive\n\n') : close()),
                    () => close(),
                )
            }, heartbeatMs)
            heartbeat.unref()
            const close = () => {
                if (!open) return
                open = false
                streams.delete(close)
                clearInterval(heartbeat)
                stopRevoked()
                unsubscribe()
                // Ended by either side: the socket goes too (a hijacked response would otherwise hold it open).
                raw.end(() => raw.destroy())
            }
            streams.add(close)
            raw.on('close', close)
            // Several nodes: entries of a room hosted elsewhere reach this node once its subscription to the
            // room is confirmed. The stream opens only then, so that nothing published after a client saw it
            // open is lost (a bot that opens the feed, then posts, must see its own line).
            await s.feeds.live(room.name, 2000)
            if (!open) return
            // The socket goes with the stream: nothing waits on it once the stream ends (server shutdown).
            raw.writeHead(200, { ...headers, connection: 'close' })
            send('retry: 2000\n\n')
            let first = replay
            // An id another node gave (with several nodes, entries keep the id the room's node gave them):
            // the room's node may still have what this one cannot replay.
            if (replay.gap && lastEventId !== undefined && !s.feeds.madeHere(lastEventId)) {
                const missed = await s.live.missedElsewhere(room, lastEventId)
                if (missed && !missed.gap) first = missed
            }
            if (first.gap) send(`data: ${JSON.stringify({ type: 'resync', at: s.now() })}\n\n`)
            for (const entry of first.entries) send(frame(entry))
            // What arrived meanwhile, less what the replay already sent (the same ids).
            const sent = new Set(first.entries.map((e) => e.id))
            const arrived = held
            held = undefined
            for (const entry of arrived) if (!sent.has(entry.id)) send(frame(entry))
            if (room.closedAt !== null) send(`data: ${JSON.stringify({ type: 'closed', at: room.closedAt })}\n\n`)
        },
    )
}
