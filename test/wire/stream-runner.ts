// The seeded random and hostile streams of streams.test.ts (one server) and test/cluster/wire-streams.test.ts
// (nodes on PostgreSQL and Redis), judged only by players written from the spec texts (raw-client.ts,
// room-model.ts). Six players chat, suggest, change roles and settings, play rounds, kick, report, drop,
// come back, leave, send garbage and start or finish gameplay when they should not; from outside the
// game, the REST API joins, leaves and posts chat, and a moderator kicks, bans, lifts bans and deletes
// chat lines. No player's room model may ever meet an event the spec says the app rejects, every frame
// must be a text frame the official schemas accept, no HTTP answer may be a server error, and at the end
// every player in the room must hold the room a player joining fresh is given.
// Nothing here comes from src/ or client/: the stream is drawn from a PRNG of its own.
import assert from 'node:assert/strict'
import { FeedWatcher } from './feed-watcher.js'
import { roomUserReader, WireClient } from './raw-client.js'
import { makeProfile, type Keys, type Profile, type SonolusHttp } from './sonolus-http.js'
import { gameplayResult, garbageCommands as garbage, wireLevel, wireLevelItem } from './items.js'

/** mulberry32: a small seeded PRNG, so that a seed replays the same choices. */
function prng(state: number): () => number {
    return () => {
        state = (state + 0x6d2b79f5) | 0
        let t = Math.imul(state ^ (state >>> 15), 1 | state)
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
}

/** Actions in a stream. */
const actionsPerStream = 300

/** Where the streams run: one server, or the nodes of a cluster (each request goes to a node drawn at random). */
export type StreamWorld = {
    keys: Keys
    /** The address bodies are signed for (a cluster's shared public address). */
    address: string
    /** The Sonolus app talking to each node (one entry for a lone server). */
    http: SonolusHttp[]
    /** Each node's base URL, in the same order, for the REST API and the moderation endpoints. */
    urls: string[]
    /** ENSEMBLE_ADMIN_TOKEN of the server(s). */
    adminToken: string
}

export type StreamStats = { streams: number; commands: number; frames: number; feed: number; rest: Map<string, number>; types: Map<string, number> }

const newStats = (): StreamStats => ({ streams: 0, commands: 0, frames: 0, feed: 0, rest: new Map(), types: new Map() })

/** One line for the log: the events seen and the REST answers, by count. */
function describeStats(stats: StreamStats): string {
    const counts = (map: Map<string, number>) =>
        [...map]
            .sort((a, b) => b[1] - a[1])
            .map(([t, n]) => `${t}:${n}`)
            .join(' ')
    return `${stats.commands} commands, ${stats.frames} frames and ${stats.feed} feed events accepted; events ${counts(stats.types)}; REST answers ${counts(stats.rest)}`
}

/** What a run of streams must have exercised, so that streams which stall early cannot pass for ones that played. */
const mustSee = {
    events: ['startRound', 'addResult', 'insertScoreboardSectionScore', 'removeUser', 'updateMaster', 'addSuggestion', 'update'],
    answers: ['apiChat 201', 'adminKick 200', 'adminBan 201'],
}
const missing = (stats: StreamStats): string[] => [
    ...mustSee.events.filter((type) => !stats.types.get(type)).map((type) => `no ${type} event`),
    ...mustSee.answers.filter((answer) => !stats.rest.get(answer)).map((answer) => `no ${answer} answer`),
]

/**
 * `count` streams drawn from `seed`; while they have not exercised everything `mustSee` names (a rare draw
 * without a finished round), up to as many again, and then it must have. Returns what they saw.
 */
export async function runStreams(world: StreamWorld, seed: number, count: number, log: (line: string) => void): Promise<StreamStats> {
    const random = prng(seed)
    const stats = newStats()
    let run = 0
    while (run < count || (run < 2 * count && missing(stats).length)) await runStream(world, random, run++, stats)
    log(`${run} streams, ${describeStats(stats)}`)
    assert.deepEqual(missing(stats), [], `${run} streams of seed ${seed} did not exercise everything`)
    return stats
}

const levels = ['alpha', 'beta', 'gamma', 'delta'].map((name) => wireLevel(name))
const levelItem = wireLevelItem()
const kinds = [
    'chat',
    'quick',
    'suggest',
    'removeSuggestion',
    'swapSuggestions',
    'clearSuggestions',
    'lock',
    'selectLevel',
    'levelOption',
    'autoExit',
    'optionValues',
    // The round flow weighs more too, so that rounds start and end in every stream.
    'status',
    'status',
    'status',
    'userStatus',
    'userStatus',
    'userStatus',
    'master',
    'lead',
    'kick',
    'report',
    'resetScoreboard',
    // Gameplay churn weighs more: the resync limits and what a player misses while in gameplay are where
    // a client's copy can part from the room.
    'gameplay',
    'gameplay',
    'outOfTurn',
    'outOfTurn',
    'outOfTurn',
    'garbage',
    'drop',
    'return',
    'leave',
] as const
/** From outside the game: the REST API and a moderator, on any node. Drawn in one step of eight, so rounds still happen. */
const outside = ['apiJoin', 'apiLeave', 'apiChat', 'apiChat', 'adminKick', 'adminBan', 'adminUnban', 'adminDeleteChat'] as const

/** The statuses each REST call may answer; anything else (a 5xx above all) fails the stream. */
const expected: Record<string, readonly number[]> = {
    apiJoin: [200, 401, 403],
    apiLeave: [200, 401, 403, 404],
    apiChat: [201, 400, 401, 403, 409, 429],
    apiChatList: [200, 401, 403, 404],
    adminKick: [200, 404],
    adminBan: [201],
    adminUnban: [204, 404],
    adminDeleteChat: [200, 404],
}

type Slot = { name: string; profile: Profile; session: string; client: WireClient | undefined; playing: string | undefined }

async function runStream(world: StreamWorld, random: () => number, index: number, stats: StreamStats): Promise<void> {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
    const node = () => Math.floor(random() * world.http.length)
    /** A REST call to a node drawn at random; its status must be one `expected` names, its body JSON (an `error` text on a refusal). */
    const rest = async (
        what: string,
        method: string,
        path: string,
        auth: string,
        body?: object,
        base = world.urls[node()]!,
    ): Promise<{ status: number; body: any }> => {
        const res = await fetch(base + path, {
            method,
            headers: { authorization: `Bearer ${auth}`, ...(body ? { 'content-type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined,
        })
        const text = await res.text()
        const key = `${what} ${res.status}`
        stats.rest.set(key, (stats.rest.get(key) ?? 0) + 1)
        assert.ok(expected[what]!.includes(res.status), `${method} ${path}: ${res.status} ${text.slice(0, 300)}`)
        const parsed = text ? (JSON.parse(text) as any) : undefined
        if (res.status >= 400)
            assert.equal(typeof parsed?.error, 'string', `${method} ${path}: ${res.status} without an error text: ${text.slice(0, 300)}`)
        return { status: res.status, body: parsed }
    }
    const slots: Slot[] = []
    for (let i = 0; i < 6; i++) {
        const profile = makeProfile(`S${index}P${i}`)
        slots.push({
            name: `stream ${index} player ${i}`,
            profile,
            session: await world.http[node()]!.signIn(profile),
            client: undefined,
            playing: undefined,
        })
    }
    const { name: roomName, key } = await world.http[node()]!.createRoom(slots[0]!.session)
    const room = encodeURIComponent(roomName)
    const readUser = roomUserReader(world.keys.publicJwk, world.address, roomName)
    const everyClient: WireClient[] = []
    const banned = new Set<Slot>()
    const enter = async (slot: Slot, creator = false): Promise<void> => {
        // The creator must get in; anyone else may have been kicked or banned a moment ago.
        const fine = (error: unknown) => {
            if (creator) throw error
            return undefined
        }
        const answer = await world.http[node()]!.joinRoom(roomName, slot.profile, {
            session: slot.session,
            ...(creator ? { key, query: { maxPlayers: '8' } } : {}),
        }).catch(fine)
        if (!answer) return
        const client = await WireClient.connect(slot.name, answer, slot.profile.id, readUser).catch(fine)
        if (!client) return
        everyClient.push(client)
        slot.client = client
        slot.playing = undefined
        await client.nextOf('update', 5000).catch(creator ? undefined : () => undefined)
    }
    await enter(slots[0]!, true)
    // The room's event feed, read through a node drawn at random: its answer comes once it is live.
    const feed = await FeedWatcher.open(world.urls[node()]!, roomName, [slots[0]!.profile.id])
    // Every node learns of a room opened on another from the cluster's directory, a few milliseconds later.
    for (const base of world.urls) {
        for (const deadline = Date.now() + 3000; ;) {
            const res = await fetch(`${base}/api/rooms/${room}`, { headers: { authorization: `Bearer ${slots[0]!.session}` } })
            const players = res.ok ? ((await res.json()) as { players?: { id: string }[] }).players : undefined
            if (players?.some((p) => p.id === slots[0]!.profile.id)) break
            assert.ok(Date.now() < deadline, `the room is not live through ${base}: ${res.status}`)
            await new Promise((resolve) => setTimeout(resolve, 20))
        }
    }
    // A player who joined a moment ago posts through every node at once: a node that does not host the room
    // must take them for a member all the same, and the feed must carry every line.
    await enter(slots[1]!)
    if (slots[1]!.client) {
        for (const [i, base] of world.urls.entries()) {
            const posted = await rest('apiChat', 'POST', `/api/rooms/${room}/chat`, slots[1]!.session, { text: `stream ${index} line ${i}` }, base)
            assert.equal(posted.status, 201, `a new player's line through ${base}: ${JSON.stringify(posted.body)}`)
        }
        const last = `stream ${index} line ${world.urls.length - 1}`
        await feed.until('the lines posted once it opened', (event) => event.type === 'chat' && event.value === last)
    }
    for (const slot of slots.slice(2)) await enter(slot)

    for (let step = 0; step < actionsPerStream; step++) {
        for (const client of everyClient) if (client.problem) throw client.problem
        if (feed.problem) throw feed.problem
        const kind = random() < 1 / 8 ? pick(outside) : pick(kinds)
        const a = random()
        const b = random()
        // The room flow comes mostly from whoever holds the role, so rounds do happen.
        const anyModel = slots.find((s) => s.client?.model.phase === 'initialized')?.client?.model
        const holder = kind === 'status' ? anyModel?.master : kind === 'selectLevel' ? anyModel?.lead : undefined
        const slot = (b < 0.7 && holder && slots.find((s) => s.profile.id === holder)) || pick(slots)
        const inRoom = () => anyModel?.users ?? []
        // Outside the game: these need no socket of the player's own.
        switch (kind) {
            case 'apiJoin':
                await rest(kind, 'POST', '/api/join_room', slot.session, { name: roomName })
                continue
            case 'apiLeave':
                await rest(kind, 'POST', '/api/leave_room', slot.session, { name: roomName })
                continue
            case 'apiChat': {
                const text = a < 0.1 ? 'x'.repeat(1000) : a < 0.15 ? '' : `from outside ${step}`
                await rest(kind, 'POST', `/api/rooms/${room}/chat`, slot.session, { text })
                continue
            }
            case 'adminKick':
                if (a < 0.3 && inRoom().length)
                    await rest(kind, 'POST', `/api/admin/rooms/${room}/kick`, world.adminToken, { user_id: pick(inRoom()) })
                continue
            case 'adminBan':
                // A server-wide ban of a few seconds: the player is removed from the room now, and refused until it runs out or is lifted.
                if (a < 0.25 && slot !== slots[0]) {
                    await rest(kind, 'POST', '/api/admin/bans', world.adminToken, { user_id: slot.profile.id, duration: '3s', reason: 'stream' })
                    banned.add(slot)
                }
                continue
            case 'adminUnban': {
                const target = [...banned][0]
                if (target) {
                    await rest(kind, 'DELETE', `/api/admin/bans/${encodeURIComponent(target.profile.id)}`, world.adminToken)
                    banned.delete(target)
                }
                continue
            }
            case 'adminDeleteChat': {
                // Any member reads the history (an API member or a player in the room); a moderator deletes one line.
                const reader = slots.find((s) => s.client && !s.client.closedWith)
                if (!reader) continue
                const list = await rest('apiChatList', 'GET', `/api/rooms/${room}/chat?limit=5`, reader.session)
                const lines = (list.body?.messages ?? []) as { id: string | number }[]
                if (lines.length) await rest(kind, 'DELETE', `/api/admin/chat/${encodeURIComponent(String(pick(lines).id))}`, world.adminToken)
                continue
            }
        }
        const client = slot.client
        if (!client || client.closedWith) {
            slot.client = undefined
            if (kind === 'return' || a < 0.2) await enter(slot)
            continue
        }
        const model = client.model
        const self = slot.profile.id
        const send = (command: { type: string } & Record<string, unknown>) => {
            stats.commands++
            client.send(command)
        }
        // As the app does: a readied player told to start plays, and in gameplay sends nothing but its finish.
        if (slot.playing) {
            if (a < 0.5 || kind === 'gameplay') {
                send({ type: 'finishGameplay', state: slot.playing, result: gameplayResult(Math.floor(b * 1_000_000)) })
                model.finishGameplay()
                slot.playing = undefined
            }
            continue
        }
        if (model.phase === 'initialized' && model.round && model.statuses.get(self) === 'ready' && a < 0.7) {
            slot.playing = model.round.state
            send({ type: 'startGameplay', state: slot.playing, level: levelItem })
            model.startGameplay()
            continue
        }
        const users = model.users
        switch (kind) {
            case 'chat':
                send({ type: 'addChatMessage', nonce: step, message: { userId: self, type: 'text', value: `line ${step}` } })
                break
            case 'quick':
                send({ type: 'addChatMessage', nonce: step, message: { userId: self, type: 'quick', value: pick(['hello', 'glhf', 'gg']) } })
                break
            case 'suggest':
                send({ type: 'addSuggestion', level: pick(levels) })
                break
            case 'removeSuggestion':
                if (model.suggestions.length) send({ type: 'removeSuggestion', suggestion: pick(model.suggestions) })
                break
            case 'swapSuggestions':
                if (model.suggestions.length)
                    send({ type: 'swapSuggestions', suggestionA: pick(model.suggestions), suggestionB: pick(model.suggestions) })
                break
            case 'clearSuggestions':
                send({ type: 'clearSuggestions' })
                break
            case 'lock':
                send({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked: a < 0.5 })
                break
            case 'selectLevel':
                send({ type: 'updateLevel', level: pick(levels) })
                break
            case 'levelOption':
                send({ type: 'updateLevelOption', levelOption: { index: Math.floor(a * 4), value: Math.floor(b * 10) } })
                break
            case 'autoExit':
                send({ type: 'updateAutoExit', autoExit: pick(['off', 'pass', 'fullCombo', 'allPerfect']) })
                break
            case 'optionValues':
                send({
                    type: 'updateOptionValues',
                    optionValues: `scoring=${pick(['arcade', 'accuracy', 'wins'])}&teams=${pick(['none', '2', '3'])}`,
                })
                break
            case 'status': {
                const next = { selecting: 'preparing', preparing: 'playing', playing: 'selecting' } as const
                if (model.status === 'selecting' && !model.level) send({ type: 'updateLevel', level: pick(levels) })
                send({ type: 'updateStatus', status: a < 0.85 ? next[model.status] : pick(['selecting', 'preparing', 'playing']) })
                break
            }
            case 'userStatus':
                send({ type: 'updateUserStatus', status: a < 0.6 ? 'ready' : pick(['waiting', 'ready', 'skipped', 'playing']) })
                break
            case 'master':
                if (users.length) send({ type: 'updateMaster', master: pick(users) })
                break
            case 'lead':
                if (users.length) send({ type: 'updateLead', lead: pick(users) })
                break
            case 'kick':
                if (users.length && a < 0.3) send({ type: 'removeUser', userId: pick(users) })
                break
            case 'report':
                if (users.length) send({ type: 'reportUser', userId: pick(users), optionValues: 'reason=spamming' })
                break
            case 'resetScoreboard':
                send({ type: 'resetScoreboard' })
                break
            case 'gameplay':
                // A finish the round does not know (a late one, another round's).
                send({ type: 'finishGameplay', state: model.round?.state ?? 'old-round', result: gameplayResult(Math.floor(a * 1_000_000)) })
                model.finishGameplay()
                break
            case 'outOfTurn': {
                // Gameplay started when the app would not (no round, not ready, twice): the client is in gameplay
                // all the same, and finishes in a later step.
                const state = model.round?.state ?? 'old-round'
                send({ type: 'startGameplay', state, level: levelItem })
                model.startGameplay()
                slot.playing = state
                break
            }
            case 'garbage':
                stats.commands++
                ;(client as unknown as { ws: { send(text: string): void } }).ws.send(pick(garbage))
                break
            case 'drop':
                if (a < 0.4) {
                    await client.drop()
                    slot.client = undefined
                }
                break
            case 'return':
                await enter(slot)
                break
            case 'leave':
                if (a < 0.4) {
                    await client.close()
                    slot.client = undefined
                }
                break
        }
        // Let the server and the sockets breathe now and then, as real clients would.
        if (b < 0.25) await new Promise((resolve) => setImmediate(resolve))
    }

    // Wind down: players in gameplay come back; then everyone in the room must hold the room a newcomer is given.
    for (const slot of slots) {
        if (slot.client && !slot.client.closedWith && slot.playing) {
            slot.client.send({ type: 'finishGameplay', state: slot.playing, result: gameplayResult(500_000) })
            slot.client.model.finishGameplay()
            slot.playing = undefined
        }
    }
    for (const client of everyClient) if (client.problem) throw client.problem
    const inRoom = slots.map((s) => s.client).filter((c): c is WireClient => !!c && !c.closedWith)
    const profile = makeProfile(`S${index} newcomer`)
    const newcomer: Slot = {
        name: `stream ${index} newcomer`,
        profile,
        session: await world.http[node()]!.signIn(profile),
        client: undefined,
        playing: undefined,
    }
    await enter(newcomer)
    if (newcomer.client) {
        const fresh = newcomer.client
        // A held-back UpdateEvent (the resync limit: 10 s) may still be on its way to a player.
        const deadline = Date.now() + 15_000
        for (;;) {
            for (const client of [...everyClient, fresh]) if (client.problem) throw client.problem
            const expected = fresh.model.summary()
            const behind = inRoom
                .filter((c) => !c.closedWith && expected.users.includes(c.userId))
                .filter((c) => {
                    try {
                        assert.deepStrictEqual(c.model.summary(), expected)
                        return false
                    } catch {
                        return true
                    }
                })
            if (!behind.length) break
            if (Date.now() > deadline) {
                assert.deepStrictEqual(behind[0]!.model.summary(), expected, `${behind[0]!.name} (${behind[0]!.model.phase}) vs a newcomer`)
            }
            await new Promise((resolve) => setTimeout(resolve, 50))
        }
    }
    // The feed names the players the room holds (the newcomer's model: the room as it is given).
    if (newcomer.client) {
        const users = () => [...newcomer.client!.model.users].sort()
        const deadline = Date.now() + 5000
        while (JSON.stringify([...feed.members].sort()) !== JSON.stringify(users()) && Date.now() < deadline && !feed.problem) {
            await new Promise((resolve) => setTimeout(resolve, 50))
        }
        if (feed.problem) throw feed.problem
        assert.deepEqual([...feed.members].sort(), users(), 'the players the feed names vs the room a newcomer is given')
    }
    await feed.close()
    if (feed.problem) throw feed.problem
    stats.feed += feed.events.length
    for (const client of everyClient) {
        if (client.problem) throw client.problem
        stats.frames += client.frames
        for (const event of client.events) stats.types.set(event.type, (stats.types.get(event.type) ?? 0) + 1)
    }
    for (const client of [...everyClient, ...(newcomer.client ? [newcomer.client] : [])]) if (!client.closedWith) await client.close()
    // The bans end with the stream (a later stream's players are others, but a ban must not outlive its test).
    for (const slot of banned) await rest('adminUnban', 'DELETE', `/api/admin/bans/${encodeURIComponent(slot.profile.id)}`, world.adminToken)
    stats.streams++
}
