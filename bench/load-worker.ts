// One generator process of `npm run load`: signs in its share of the players, creates its rooms, joins
// everyone over real WebSockets, then plays rounds and chats until told to stop. A room and all its
// players live in one process, so a latency is one clock's difference (command sent → event received).
// Talks to bench/load.ts over IPC: setup → SetupReply, run → RunReply, close → {}.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { authenticateBody, benchProfile, joinBody, pool, signBody, type Answer, type BenchProfile, type Signed } from './players.js'
import { bump, LatencyHistogram, type HistogramData, type Tally } from './load-stats.js'

export type WorkerSetup = {
    type: 'setup'
    address: string
    worker: number
    /** Player numbers per room; the first one creates the room (its master and lead). */
    rooms: number[][]
    maxPlayers: number
    /** Sign-ins and joins in flight at once. */
    concurrency: number
}
export type WorkerRun = { type: 'run'; durationMs: number; drainMs: number; chatPerMinute: number; roundMs: number }

export type SetupReply = { connected: number; rooms: number; errors: Tally; latency: Record<string, HistogramData> }
export type RunReply = {
    latency: Record<string, HistogramData>
    errors: Tally
    refusals: Tally
    counts: Tally
    cpuMicros: number
    loop: { p99: number; max: number }
}

const errors: Tally = {}
const refusals: Tally = {}
const counts: Tally = {}
const latency = new Map<string, LatencyHistogram>()
const sample = (kind: string, ms: number) => {
    let h = latency.get(kind)
    if (!h) latency.set(kind, (h = new LatencyHistogram()))
    h.record(ms)
}
const latencyJSON = () => Object.fromEntries([...latency].map(([k, h]) => [k, h.toJSON()]))

let address = ''
let worker = 0
let running = false
let closing = false
const timers = new Set<NodeJS.Timeout>()
const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
        timers.delete(t)
        fn()
    }, ms)
    timers.add(t)
}
const jitter = (ms: number) => ms * (0.8 + 0.4 * Math.random())

/**
 * A command whose events are awaited: when it was sent and who is still due to receive them. The server
 * sends nothing to a player in gameplay (the app ignores events then), so only players outside gameplay
 * when the command was sent are awaited; one who enters gameplay before receiving is no longer awaited
 * (the server may have handled their startGameplay first).
 */
type Pending = { at: number; kind: string; due: Set<Player> }

class Room {
    readonly players: Player[] = []
    status = 'selecting'
    readonly ready = new Set<string>()
    readonly pending = new Map<string, Pending>()
    round = 0
    private watchdog: NodeJS.Timeout | undefined

    constructor(readonly name: string) {}

    get lead(): Player {
        return this.players[0]!
    }

    /** Awaits the event `key` stands for at every player outside gameplay (but `except`). */
    expect(key: string, kind: string, except?: Player): void {
        const due = new Set(this.players.filter((p) => p !== except && !p.inGameplay))
        if (due.size > 0) this.pending.set(key, { at: performance.now(), kind, due })
    }

    /** `player` received the event `key` stands for. */
    receipt(key: string, player: Player): void {
        const p = this.pending.get(key)
        if (!p || !p.due.delete(player)) return
        sample(p.kind, performance.now() - p.at)
        if (p.due.size === 0) this.pending.delete(key)
    }

    /** `player` went into gameplay: events not yet received may never come. */
    suspended(player: Player): void {
        for (const [key, p] of this.pending) if (p.due.delete(player) && p.due.size === 0) this.pending.delete(key)
    }

    /** The lead picks a level; the rest of the round follows from the events. */
    nextRound(): void {
        if (!running || this.status !== 'selecting') return
        this.round += 1
        this.ready.clear()
        const level = { address, name: `load-${worker}-${this.round}` }
        this.expect(`level:${level.name}`, 'level select → all')
        this.lead.send({ type: 'updateLevel', level })
        this.arm()
    }

    /** A round that has not come back to selecting in time is an error; the lead pushes it on. */
    arm(): void {
        clearTimeout(this.watchdog)
        this.watchdog = setTimeout(() => {
            if (!running) return
            bump(errors, `round stalled (${this.status})`)
            if (this.status === 'preparing') this.lead.send({ type: 'updateStatus', status: 'playing' })
            else if (this.status === 'playing') this.lead.send({ type: 'updateStatus', status: 'selecting' })
            else this.nextRound()
            this.arm()
        }, stallMs)
        timers.add(this.watchdog)
    }

    disarm(): void {
        clearTimeout(this.watchdog)
    }
}

let stallMs = 30_000
let roundMs = 5_000

const result = (score: number) => ({
    grade: 'pass',
    arcadeScore: score,
    accuracyScore: score,
    combo: 100,
    perfect: 80,
    great: 15,
    good: 3,
    miss: 2,
    totalCount: 100,
})

class Player {
    ws!: WebSocket
    /** UpdateEvents owed to this player (the first after connecting, one after each gameplay). */
    expectUpdate = 1
    /**
     * From sending startGameplay to the UpdateEvent that answers finishGameplay: the server sends this
     * player nothing while it is in gameplay, and until that UpdateEvent this player cannot know whether
     * the server has handled its finishGameplay yet. The app does not chat in between either.
     */
    inGameplay = false
    private awaitingResync = false
    private chatNonce = 0
    private readonly echoes = new Map<number, number>()
    private connected!: (ok: boolean) => void

    constructor(
        readonly profile: BenchProfile,
        readonly room: Room,
    ) {}

    get id(): string {
        return this.profile.id
    }

    send(command: object): void {
        if (this.ws.readyState !== WebSocket.OPEN) return
        this.ws.send(JSON.stringify(command))
        bump(counts, 'commands sent')
    }

    /** Opens the socket; resolves once the first UpdateEvent arrived (false when it failed, counted). */
    connect(answer: Answer): Promise<boolean> {
        return new Promise((resolve) => {
            const started = performance.now()
            this.connected = (ok) => {
                if (ok) sample('connect → first UpdateEvent', performance.now() - started)
                resolve(ok)
                this.connected = () => {}
            }
            const ws = new WebSocket(answer.url, { headers: { 'Sonolus-Room-Session': answer.session }, perMessageDeflate: false })
            this.ws = ws
            ws.on('message', (data) => this.onMessage(data.toString()))
            ws.once('unexpected-response', (_req, res) => {
                bump(errors, `websocket upgrade refused (${res.statusCode})`)
                ws.terminate()
                this.connected(false)
            })
            ws.on('error', (e: NodeJS.ErrnoException) => {
                bump(errors, `socket error (${e.code ?? e.message})`)
                this.connected(false)
            })
            ws.on('close', (code) => {
                if (!closing) bump(errors, `unexpected close (${code})`)
                this.connected(false)
            })
        })
    }

    chat(): void {
        const value = `load ${worker}.${this.room.name}.${++this.chatNonce}`
        this.echoes.set(this.chatNonce, performance.now())
        this.room.expect(`chat:${value}`, 'chat → others', this)
        bump(counts, 'chat messages sent')
        this.send({ type: 'addChatMessage', nonce: this.chatNonce, message: { userId: this.id, type: 'text', value } })
    }

    /**
     * Chats at about `perMinute` (±50 % per gap, never a burst the server's chat limit refuses), except
     * in gameplay, where the app cannot chat.
     */
    chatLoop(perMinute: number): void {
        if (perMinute <= 0) return
        const gap = 60_000 / perMinute
        const tick = () => {
            if (!running) return
            if (!this.inGameplay) this.chat()
            later(gap * (0.5 + Math.random()), tick)
        }
        later(gap * Math.random(), tick)
    }

    /** The lead's view of the room's status: a round over (playing → selecting) starts the next one. */
    private leadSees(status: string): void {
        const room = this.room
        const ended = room.status === 'playing' && status === 'selecting'
        room.status = status
        if (!ended) return
        room.disarm()
        bump(counts, 'rounds completed')
        later(jitter(500), () => room.nextRound())
    }

    private onMessage(text: string): void {
        bump(counts, 'events received')
        let event: any
        try {
            event = JSON.parse(text)
        } catch {
            bump(errors, 'event not JSON')
            return
        }
        const room = this.room
        switch (event.type) {
            case 'update':
                if (this.expectUpdate > 0) this.expectUpdate -= 1
                else bump(refusals, 'correction (UpdateEvent after a refused command)')
                if (this.awaitingResync) this.awaitingResync = this.inGameplay = false
                // Back from gameplay, the lead learns from its UpdateEvent alone that its finish ended the round
                // (the server sends a returning player nothing else until that UpdateEvent).
                if (this === room.lead) this.leadSees(event.status)
                this.connected(true)
                return
            case 'addChatMessage': {
                const message = event.message
                if (event.nonce !== undefined) {
                    const at = this.echoes.get(event.nonce)
                    if (at !== undefined) {
                        sample('chat → own echo', performance.now() - at)
                        this.echoes.delete(event.nonce)
                    }
                } else if (message?.userId === null) {
                    // A notice to this player alone: the chat was refused (the texts are the server's English ones).
                    const value = String(message.value)
                    if (value.startsWith('Message not sent: you are sending')) bump(refusals, 'chat too fast (notice)')
                    else if (value.startsWith('Message not sent')) bump(refusals, 'chat refused (notice)')
                } else {
                    room.receipt(`chat:${message?.value}`, this)
                }
                return
            }
            case 'updateLevel':
                room.receipt(`level:${event.level?.name}`, this)
                if (this === room.lead && room.status === 'selecting') room.lead.send({ type: 'updateStatus', status: 'preparing' })
                return
            case 'updateStatus':
                if (this === room.lead) this.leadSees(event.status)
                if (event.status === 'preparing') {
                    // Each player readies after a short "think" time.
                    later(50 + Math.random() * 250, () => {
                        room.expect(`ready:${this.id}`, 'ready → all')
                        this.send({ type: 'updateUserStatus', status: 'ready' })
                    })
                }
                return
            case 'updateUserStatus':
                if (event.userStatus?.status !== 'ready') return
                room.receipt(`ready:${event.userStatus.userId}`, this)
                if (this === room.lead && room.status === 'preparing') {
                    room.ready.add(event.userStatus.userId)
                    if (room.ready.size === room.players.length) {
                        room.expect('start', 'round start → all')
                        this.send({ type: 'updateStatus', status: 'playing' })
                    }
                }
                return
            case 'startRound': {
                room.receipt('start', this)
                const state = event.state as string
                this.send({ type: 'startGameplay', state, level: { name: `load-${worker}-${room.round}` } })
                this.inGameplay = true
                room.suspended(this)
                later(jitter(roundMs), () => {
                    this.awaitingResync = true
                    room.expect(`result:${this.id}`, 'result → others', this)
                    this.expectUpdate += 1
                    this.send({ type: 'finishGameplay', state, result: result(Math.floor(Math.random() * 1_000_000)) })
                })
                return
            }
            case 'addResult':
                room.receipt(`result:${event.result?.userId}`, this)
                return
        }
    }
}

const rooms: Room[] = []

/** POST with a signed body; counts a failure by route and status and answers undefined. */
async function post(route: string, url: string, signed: Signed, headers: Record<string, string> = {}): Promise<any> {
    const started = performance.now()
    try {
        const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'sonolus-signature': signed.signature, ...headers },
            body: signed.body,
        })
        const text = await res.text()
        if (res.status !== 200) {
            bump(errors, `HTTP ${route} ${res.status}`)
            return undefined
        }
        sample(`HTTP ${route}`, performance.now() - started)
        return JSON.parse(text)
    } catch (e) {
        bump(
            errors,
            `HTTP ${route} failed (${(e as Error).cause ? String(((e as Error).cause as NodeJS.ErrnoException).code) : (e as Error).message})`,
        )
        return undefined
    }
}

const signIn = async (profile: BenchProfile): Promise<string | undefined> =>
    (await post('sign-in', `${address}/sonolus/authenticate`, authenticateBody(address, profile)))?.session

async function setup(message: WorkerSetup): Promise<SetupReply> {
    address = message.address
    worker = message.worker
    const query = new URLSearchParams({ maxPlayers: String(message.maxPlayers) }).toString()
    const seats: { room: Room; player: number }[] = []

    // Creators first: a room must exist before anyone joins it.
    await pool(message.rooms, message.concurrency, async (members) => {
        const profile = benchProfile(members[0]!)
        const session = await signIn(profile)
        if (!session) return
        const created = await post('create room', `${address}/sonolus/rooms/create`, signBody('{}'), { 'sonolus-session': session })
        if (!created) return
        const answer: Answer | undefined = await post(
            'join (creator)',
            `${address}/sonolus/rooms/${created.name}?${query}`,
            joinBody(address, created.name, profile),
            {
                'sonolus-session': session,
                'sonolus-room-key': created.key,
            },
        )
        if (!answer) return
        const room = new Room(created.name)
        const lead = new Player(profile, room)
        if (!(await lead.connect(answer))) return
        room.players.push(lead)
        rooms.push(room)
        for (const player of members.slice(1)) seats.push({ room, player })
    })
    await pool(seats, message.concurrency, async ({ room, player }) => {
        const profile = benchProfile(player)
        const session = await signIn(profile)
        if (!session) return
        const answer: Answer | undefined = await post('join', `${address}/sonolus/rooms/${room.name}`, joinBody(address, room.name, profile), {
            'sonolus-session': session,
        })
        if (!answer) return
        const p = new Player(profile, room)
        if (await p.connect(answer)) room.players.push(p)
    })
    const connected = rooms.reduce((n, r) => n + r.players.length, 0)
    const reply: SetupReply = { connected, rooms: rooms.length, errors: { ...errors }, latency: latencyJSON() }
    for (const tally of [errors, counts, refusals]) for (const key of Object.keys(tally)) delete tally[key]
    latency.clear()
    return reply
}

async function run(message: WorkerRun): Promise<RunReply> {
    roundMs = message.roundMs
    stallMs = message.roundMs * 1.2 + 20_000
    const loop = monitorEventLoopDelay({ resolution: 1 })
    loop.enable()
    const cpu = process.cpuUsage()
    running = true
    for (const room of rooms) {
        for (const p of room.players) p.chatLoop(message.chatPerMinute)
        // Rooms start their first round spread over one round's length, as unrelated rooms would be.
        later(Math.random() * Math.max(1000, roundMs), () => room.nextRound())
    }
    await new Promise((r) => setTimeout(r, message.durationMs))
    running = false
    // Commands already sent get `drainMs` for their events; nothing new is started.
    await new Promise((r) => setTimeout(r, message.drainMs))
    const cutoff = performance.now() - message.drainMs
    for (const room of rooms) {
        room.disarm()
        for (const p of room.pending.values()) if (p.at <= cutoff) bump(errors, `events not received by the end of the drain (${p.kind})`, p.due.size)
    }
    for (const t of timers) clearTimeout(t)
    timers.clear()
    loop.disable()
    const used = process.cpuUsage(cpu)
    return {
        latency: latencyJSON(),
        errors,
        refusals,
        counts,
        cpuMicros: used.user + used.system,
        loop: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    }
}

/** Closes every socket normally (1000) and waits for the closes (at most 5 s). */
async function close(): Promise<void> {
    closing = true
    const all = rooms.flatMap((r) => r.players)
    await Promise.race([
        Promise.all(
            all.map(
                (p) =>
                    new Promise<void>((done) => {
                        if (p.ws.readyState === WebSocket.CLOSED) return done()
                        p.ws.once('close', () => done())
                        p.ws.close(1000)
                    }),
            ),
        ),
        new Promise((r) => setTimeout(r, 5000)),
    ])
}

process.on('message', (message: WorkerSetup | WorkerRun | { type: 'close' }) => {
    const answer = (p: Promise<unknown>) =>
        p.then(
            (reply) => process.send!(reply),
            (e) => process.send!({ failed: String((e as Error).stack ?? e) }),
        )
    if (message.type === 'setup') void answer(setup(message))
    else if (message.type === 'run') void answer(run(message))
    else if (message.type === 'close') void answer(close().then(() => ({})))
})
process.on('SIGTERM', () => process.exit(0))
console.log('READY {}')
