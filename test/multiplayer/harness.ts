// An in-memory room with N simulated Sonolus clients. Output is routed to each client's ClientModel
// as the runtime does (audiences, per-user UpdateEvents, notices rendered per locale, JSON on the
// wire, suspended clients ignoring everything), and every delivery is checked: a client that raises a
// fatal error fails the test with the event and the client named. A mirror view folds every event the
// room sent, so the room's state must always be exactly the fold of what it sent.
import assert from 'node:assert/strict'
import type { Event, GameplayResult, RoomUser, ServerForm } from '@sonolus/core'
import {
    applyEvent,
    ClientModel,
    createRoom,
    defaultReportUserOptions,
    defaultRoomOptions,
    handleCommand,
    joinUser,
    leaveUser,
    rejoinUser,
    renderNotice,
    roomUserInfo,
    snapshot,
    tick,
    userIdOf,
    type Audience,
    type EngineContext,
    type EngineLimits,
    type EngineOutput,
    type EngineRoom,
    type LeaveReason,
    type RoomView,
} from '../../src/multiplayer/index.js'
import { levelItem } from '../helpers/gameplay.js'
import { DEFAULT_ADDRESS, DEFAULT_ROOM, makeRoomUser, roomUserChecker } from '../helpers/room-user.js'

export const ADDRESS = DEFAULT_ADDRESS
export const ROOM = DEFAULT_ROOM

/** A small seeded PRNG (mulberry32): deterministic randomness for the engine and the tests. */
export function seededRandom(seed: number): () => number {
    let a = seed >>> 0
    return () => {
        a = (a + 0x6d2b79f5) >>> 0
        let t = a
        t = Math.imul(t ^ (t >>> 15), t | 1)
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
}

export type SimClient = {
    id: string
    locale: string
    model: ClientModel
    connected: boolean
    /** Every event delivered to this client (after JSON), newest last. */
    received: Event[]
}

export type HarnessOptions = {
    seed?: number
    creatorId?: string
    maxPlayers?: number
    allowOtherServers?: boolean
    options?: ServerForm[]
    optionValues?: string
    limits?: Partial<EngineLimits>
    /** Keep each client's received events (memory; off for long property runs). */
    record?: boolean
    /**
     * How 'all' / 'except' are resolved: against the users right after each event ('perEvent', the
     * definition) or against the users after the whole output ('final', what the runtime does).
     */
    audience?: 'perEvent' | 'final'
}

export class Harness {
    readonly room: EngineRoom
    readonly clients = new Map<string, SimClient>()
    /** Every client ever connected, including replaced connections (they must stay fatal-free too). */
    readonly random: () => number
    now = 1_700_000_000_000
    commands = 0
    private readonly mirror: RoomView
    private readonly verifyUser: (user: RoomUser) => string | null
    private readonly record: boolean
    private readonly audience: 'perEvent' | 'final'

    constructor(options: HarnessOptions = {}) {
        this.random = seededRandom(options.seed ?? 1)
        this.record = options.record ?? true
        this.audience = options.audience ?? 'perEvent'
        this.room = createRoom({
            name: ROOM,
            title: 'Test room',
            options: options.options ?? defaultRoomOptions(),
            optionValues: options.optionValues ?? '',
            reportUserOptions: defaultReportUserOptions(),
            allowOtherServers: options.allowOtherServers ?? false,
            maxPlayers: options.maxPlayers ?? 16,
            creatorId: options.creatorId ?? 'u1',
            address: ADDRESS,
            ...(options.limits ? { limits: options.limits } : {}),
        })
        this.mirror = structuredClone(this.room.view)
        this.verifyUser = roomUserChecker({ now: () => this.now })
    }

    ctx(): EngineContext {
        return { now: this.now, random: this.random, address: ADDRESS }
    }

    advance(ms: number): void {
        this.now += ms
    }

    user(id: string, name?: string): RoomUser {
        return makeRoomUser({ id, name: name ?? `Player ${id}`, handle: id.replace(/\D/g, '') || id, time: this.now })
    }

    /** A new connection of a user who is not in the room yet. */
    join(id: string, options: { name?: string; locale?: string } = {}): EngineOutput {
        const client = this.connect(id, options.locale ?? 'en')
        const user = this.user(id, options.name)
        const info = roomUserInfo(user)!
        const output = joinUser(this.room, { user, profile: { id, handle: info.handle, name: info.name }, locale: client.locale }, this.ctx())
        this.route(output)
        return output
    }

    /** The member's connection drops (they stay in the room during the grace period). */
    disconnect(id: string): void {
        const client = this.clients.get(id)
        if (client) client.connected = false
    }

    /** A new connection of a member (reconnect or second device), with a freshly signed RoomUser. */
    rejoin(id: string, options: { freshUser?: boolean; name?: string } = {}): EngineOutput {
        const old = this.clients.get(id)
        const client = this.connect(id, old?.locale ?? 'en')
        const current = this.room.view.users.find((u) => userIdOf(u) === id)
        const user = options.freshUser === false && current ? current : this.user(id, options.name)
        const output = rejoinUser(this.room, id, user, this.ctx())
        this.route(output)
        void client
        return output
    }

    leave(id: string, reason: LeaveReason = 'left'): EngineOutput {
        const client = this.clients.get(id)
        if (client) client.connected = false
        const output = leaveUser(this.room, id, reason, this.ctx())
        this.route(output)
        this.clients.delete(id)
        return output
    }

    /** Sends a command as the runtime receives it: JSON-parsed, untrusted. */
    command(id: string, raw: unknown): EngineOutput {
        this.commands++
        const client = this.clients.get(id)
        const parsed = raw === undefined ? undefined : JSON.parse(JSON.stringify(raw))
        const output = handleCommand(this.room, id, parsed, this.ctx())
        this.route(output)
        // The runtime closes a kicked player's socket.
        for (const effect of output.effects) {
            if (effect.type === 'kick') {
                const kicked = this.clients.get(effect.userId)
                if (kicked) kicked.connected = false
                this.clients.delete(effect.userId)
            }
        }
        void client
        return output
    }

    tick(): EngineOutput {
        const output = tick(this.room, this.ctx())
        this.route(output)
        return output
    }

    // ---- client behaviour ----

    /** The client plays the round it was told to start: the app suspends and sends startGameplay. */
    startGameplay(id: string): EngineOutput | undefined {
        const client = this.clients.get(id)
        const round = client?.model.roundStarted
        if (!client || !round || client.model.phase !== 'active') return undefined
        client.model.startGameplay()
        return this.command(id, { type: 'startGameplay', state: round.state, level: levelItem('x') })
    }

    /** The client leaves gameplay: back to uninitialized, sends finishGameplay. */
    finishGameplay(id: string, result: GameplayResult, state?: string): EngineOutput | undefined {
        const client = this.clients.get(id)
        if (!client) return undefined
        const roundState = state ?? this.room.round?.state ?? 'none'
        client.model.finishGameplay()
        return this.command(id, { type: 'finishGameplay', state: roundState, result })
    }

    chat(id: string, value: string): { nonce: number; output: EngineOutput } {
        const client = this.clients.get(id)!
        const nonce = client.model.nextNonce()
        const output = this.command(id, { type: 'addChatMessage', nonce, message: { userId: id, type: 'text', value } })
        return { nonce, output }
    }

    // ---- routing ----

    route(output: EngineOutput): void {
        const final = this.audience === 'final' ? new Set(this.room.view.users.map(userIdOf)) : undefined
        for (const item of output.out) {
            if ('kind' in item) {
                for (const client of this.recipients(item.to, final)) {
                    const value = renderNotice(client.locale, item.key, item.params)
                    this.deliver(client, { type: 'addChatMessage', message: { userId: null, type: 'text', value } })
                }
                continue
            }
            if (item.event.type !== 'update') applyEvent(this.mirror, item.event)
            for (const client of this.recipients(item.to, final)) this.deliver(client, item.event)
        }
        assert.deepStrictEqual(plain(this.mirror), plain(this.room.view), 'room state is not the fold of the events it sent')
    }

    /** Audience resolved against the users after the event was applied (the mirror), or `final`. */
    private *recipients(to: Audience, final: Set<string> | undefined): Generator<SimClient> {
        const members = final ?? new Set(this.mirror.users.map(userIdOf))
        for (const client of this.clients.values()) {
            if (!client.connected || !members.has(client.id)) continue
            if (to === 'all') yield client
            else if ('except' in to) {
                if (to.except !== client.id) yield client
            } else if (to.only.includes(client.id)) yield client
        }
    }

    private deliver(client: SimClient, event: Event): void {
        const wire = JSON.parse(JSON.stringify(event)) as Event
        if (this.record) client.received.push(wire)
        try {
            client.model.receive(wire)
        } catch (error) {
            const message = error instanceof Error ? error.message : String(error)
            throw new Error(`client ${client.id} (${client.model.phase}) rejected ${JSON.stringify(wire).slice(0, 500)}: ${message}`, {
                cause: error,
            })
        }
    }

    private connect(id: string, locale: string): SimClient {
        const old = this.clients.get(id)
        if (old) old.connected = false
        const client: SimClient = {
            id,
            locale,
            model: new ClientModel(id, { verifyUser: this.verifyUser }),
            connected: true,
            received: [],
        }
        this.clients.set(id, client)
        return client
    }

    // ---- checks ----

    /** Flushes held-back UpdateEvents, then checks every connected client holds the room's state. */
    settle(): void {
        for (let i = 0; i < 5 && this.room.pendingCorrections.size > 0; i++) {
            this.advance(60_000)
            this.tick()
        }
    }

    assertConverged(): void {
        const expected = plain(snapshot(this.room)) as Record<string, unknown>
        delete expected.type
        for (const client of this.clients.values()) {
            if (!client.connected) continue
            if (!this.room.members.has(client.id)) continue
            assert.equal(client.model.phase === 'uninitialized', false, `client ${client.id} is still uninitialized`)
            if (client.model.phase !== 'active') continue
            assert.deepStrictEqual(plain(client.model.view), expected, `client ${client.id} differs from the room`)
        }
    }

    client(id: string): SimClient {
        const client = this.clients.get(id)
        assert.ok(client, `no client ${id}`)
        return client
    }

    view(id: string): RoomView {
        const view = this.client(id).model.view
        assert.ok(view, `client ${id} has no view`)
        return view
    }
}

export function plain<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T
}

/** The events of an output (deliveries only), optionally of one type. */
export function events(output: EngineOutput, type?: string): Event[] {
    const list: Event[] = []
    for (const item of output.out) if (!('kind' in item) && (type === undefined || item.event.type === type)) list.push(item.event)
    return list
}

export function notices(output: EngineOutput): { key: string; to: Audience; params: Record<string, string | number> }[] {
    const list = []
    for (const item of output.out) if ('kind' in item) list.push({ key: item.key, to: item.to, params: item.params })
    return list
}
