// One live room: feeds the pure engine its inputs in order, routes the engine's output to peers and
// the store, and owns the room's timers (reconnect grace, idle close, stale-join sweep).
// Everything here runs synchronously per input, so a room is naturally one serial queue.
import type { ChatMessage, GameplayResult, RoomUser } from '@sonolus/core'
import {
    createRoom,
    handleCommand,
    joinUser,
    leaveUser,
    postChatMessage,
    rejoinUser,
    renderNotice,
    requestResync,
    snapshot,
    tick,
    type Audience,
    type EngineContext,
    type EngineOutput,
    type EngineRoom,
    type NoticeKey,
    type RoomInit,
} from '../multiplayer/index.js'
import { take, waitMs } from '../multiplayer/rate-limit.js'
import { CloseCode, CloseReason } from './close-codes.js'
import { eventFrame } from './event-frames.js'
import type { Peer } from './peer.js'

export type LiveRoomTimings = {
    reconnectGraceMs: number
    emptyRoomIdleMs: number
    kickBanMs: number
    /** Joins older than this are removed before clients would reject them (they do at 24 h). */
    maxJoinAgeMs: number
}

/** What became of chat posted from outside the game (postChat). */
export type PostChatResult =
    | { ok: true; message: ChatMessage }
    | { ok: false; reason: 'closed' | 'empty' | 'tooLong' | 'failed' | 'notMember' }
    | { ok: false; reason: 'tooFast'; retryAfterMs: number }

/** Where a room's lasting data goes; implementations must never throw into the room. */
export interface RoomPersistence {
    chat(roomName: string, message: ChatMessage, at: number): void
    result(roomName: string, round: number, userId: string, result: GameplayResult, at: number): void
    report(roomName: string, reporterId: string, targetId: string, optionValues: string, at: number): void
    ban(roomName: string, userId: string, until: number): void
    roomChanged(roomName: string, patch: { title?: string; optionValues?: string }): void
}

export type LiveRoomDeps = {
    timings: LiveRoomTimings
    persistence: RoomPersistence
    now: () => number
    random: () => number
    address: string
    log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void }
    /** Called once the room closed itself (idle) so the hub can forget it. */
    onClosed: (room: LiveRoom) => void
    /** Sees every engine output as it goes out (the room's event feed for the REST API). */
    observe?: (roomName: string, engine: EngineRoom, output: EngineOutput) => void
}

export type Admission = {
    userId: string
    profile: { id: string; handle: string; name: string }
    user: RoomUser
    locale: string
    /** `time` of the signed join body, for the 24 h rule. */
    joinedAt: number
}

type Seat = {
    peer: Peer | undefined
    locale: string
    joinedAt: number
    /**
     * The client ignores everything but an UpdateEvent: it started gameplay (suspended), or finished it and
     * waits for a fresh UpdateEvent (uninitialized)
     * (https://wiki.sonolus.com/round-multiplayer-server-specs/state/overview). It is sent nothing else until
     * one goes out to it. Events sent after its finishGameplay would be harmless to an uninitialized client,
     * but an UpdateEvent already on its way initializes it, and they would then apply on a state that lacks
     * what was withheld during gameplay, while the fresh UpdateEvent is held back by the resync limit.
     */
    awaitsUpdate: boolean
    graceTimer: NodeJS.Timeout | undefined
}

export class LiveRoom {
    readonly name: string
    readonly engine: EngineRoom
    readonly maxPlayers: number
    private readonly seats = new Map<string, Seat>()
    private idleTimer: NodeJS.Timeout | undefined
    private sweepTimer: NodeJS.Timeout | undefined
    private closed = false

    constructor(
        init: RoomInit,
        private readonly deps: LiveRoomDeps,
    ) {
        this.name = init.name
        this.maxPlayers = init.maxPlayers
        this.engine = createRoom(init)
        this.armIdleTimer()
        // Once a second: corrections the engine held back, and joins about to pass the 24 h rule.
        this.sweepTimer = setInterval(() => this.housekeeping(), 1000)
        this.sweepTimer.unref()
    }

    get playerCount(): number {
        return this.seats.size
    }

    get isClosed(): boolean {
        return this.closed
    }

    isMember(userId: string): boolean {
        return this.seats.has(userId)
    }

    /** User ids of the members (players, connected or within their reconnect grace). */
    memberIds(): string[] {
        return [...this.seats.keys()]
    }

    /** A member with a live connection (not within a reconnect grace period). */
    isConnected(userId: string): boolean {
        return this.seats.get(userId)?.peer !== undefined
    }

    connect(admission: Admission, peer: Peer): void {
        if (this.closed) {
            peer.close(CloseCode.roomClosed, CloseReason[CloseCode.roomClosed])
            return
        }
        this.disarmIdleTimer()
        const seat = this.seats.get(admission.userId)
        if (seat) {
            // A second connection (or a return within the grace period) replaces the first.
            if (seat.graceTimer) clearTimeout(seat.graceTimer)
            seat.graceTimer = undefined
            const old = seat.peer
            seat.peer = peer
            seat.locale = admission.locale
            seat.joinedAt = admission.joinedAt
            seat.awaitsUpdate = false
            if (old) old.close(CloseCode.replaced, CloseReason[CloseCode.replaced])
            this.dispatch(this.run(() => rejoinUser(this.engine, admission.userId, admission.user, this.context())))
            return
        }
        this.seats.set(admission.userId, {
            peer,
            locale: admission.locale,
            joinedAt: admission.joinedAt,
            awaitsUpdate: false,
            graceTimer: undefined,
        })
        const output = this.run(() =>
            joinUser(this.engine, { user: admission.user, profile: admission.profile, locale: admission.locale }, this.context()),
        )
        if (output.ignored) {
            // The last seat went to someone else between admission and upgrade.
            this.unseat(admission.userId, CloseCode.roomFull)
            return
        }
        this.dispatch(output)
    }

    /** A parsed message from a peer; messages from a superseded peer are dropped. */
    receive(userId: string, peer: Peer, command: unknown): string | undefined {
        const seat = this.seats.get(userId)
        if (!seat || seat.peer !== peer || this.closed) return 'not seated'
        const type = typeof command === 'object' && command !== null ? (command as { type?: unknown }).type : undefined
        // The client suspends itself on starting gameplay whether or not we accept the command.
        // Whether or not we accept the command, the client suspends itself on starting gameplay, and after
        // finishing it goes back to uninitialized until an UpdateEvent (always sent in answer, maybe later).
        if (type === 'startGameplay' || type === 'finishGameplay') seat.awaitsUpdate = true
        const output = this.run(() => handleCommand(this.engine, userId, command, this.context()))
        this.dispatch(output)
        return output.ignored
    }

    /** The transport dropped a message of this peer (rate limit): the player is owed a fresh state. */
    dropped(userId: string, peer: Peer): void {
        const seat = this.seats.get(userId)
        if (seat && seat.peer === peer && !this.closed) requestResync(this.engine, userId)
    }

    /** The peer's socket closed. A deliberate close leaves at once; a drop keeps the seat for a while. */
    disconnect(userId: string, peer: Peer, deliberate: boolean): void {
        const seat = this.seats.get(userId)
        if (!seat || seat.peer !== peer || this.closed) return
        seat.peer = undefined
        if (deliberate || this.deps.timings.reconnectGraceMs <= 0) {
            this.remove(userId, 'left')
            return
        }
        seat.graceTimer = setTimeout(() => {
            seat.graceTimer = undefined
            if (this.seats.get(userId) === seat && !seat.peer) this.remove(userId, 'left')
        }, this.deps.timings.reconnectGraceMs)
        seat.graceTimer.unref()
    }

    /** Removes a member (left, kicked by an operator, join expired) with the events that say so. */
    remove(userId: string, reason: 'left' | 'kicked' | 'expired'): void {
        const code = reason === 'kicked' ? CloseCode.kicked : reason === 'expired' ? CloseCode.expired : CloseCode.normal
        if (!this.unseat(userId, code)) return
        this.dispatch(this.run(() => leaveUser(this.engine, userId, reason, this.context())))
    }

    /**
     * Takes a seat away: its grace timer stops, its socket (if any) closes with `code`, and an emptied
     * room starts its idle timer. The engine is told by the caller (or already knows: a kick). False
     * when the player had no seat.
     */
    private unseat(userId: string, code: number): boolean {
        const seat = this.seats.get(userId)
        if (!seat) return false
        if (seat.graceTimer) clearTimeout(seat.graceTimer)
        this.seats.delete(userId)
        seat.peer?.close(code, CloseReason[code] ?? '')
        if (this.seats.size === 0) this.armIdleTimer()
        return true
    }

    /**
     * A system line to everyone connected, rendered in each player's language (notices.ts): a shutdown
     * or a moderator's action, said before the sockets close.
     */
    announce(key: NoticeKey, params: Record<string, string | number> = {}): void {
        if (this.closed) return
        const frames = new Map<string, Buffer>()
        for (const seat of this.seats.values()) {
            if (!seat.peer || seat.awaitsUpdate) continue
            let frame = frames.get(seat.locale)
            if (!frame) {
                const value = renderNotice(seat.locale, key, params)
                frame = Buffer.from(JSON.stringify({ type: 'addChatMessage', message: { userId: null, type: 'text', value } }))
                frames.set(seat.locale, frame)
            }
            seat.peer.send(frame)
        }
    }

    /** Server shutdown or operator close: every peer is told why. */
    close(code: number = CloseCode.goingAway): void {
        if (this.closed) return
        this.closed = true
        this.disarmIdleTimer()
        if (this.sweepTimer) clearInterval(this.sweepTimer)
        for (const seat of this.seats.values()) {
            if (seat.graceTimer) clearTimeout(seat.graceTimer)
            seat.peer?.close(code, CloseReason[code] ?? '')
        }
        this.seats.clear()
    }

    /**
     * Chat from outside the game (REST API) into this room's Sonolus chat, under the in-game limits: the
     * same length, and the same per-user bucket as the user's in-game chat (a token is spent only on a
     * message that goes out). A player in the room writes as themselves, anyone else as "name: text" (or,
     * with `playersOnly`, is refused).
     */
    postChat(author: { userId: string; name: string }, text: string, playersOnly = false): PostChatResult {
        if (this.closed) return { ok: false, reason: 'closed' }
        if (playersOnly && !this.engine.members.has(author.userId)) return { ok: false, reason: 'notMember' }
        const { buckets, limits } = this.engine
        const now = this.deps.now()
        const wait = waitMs(buckets.chat, author.userId, limits.chat, now)
        if (wait > 0) return { ok: false, reason: 'tooFast', retryAfterMs: wait }
        const output = this.run(() => postChatMessage(this.engine, author, text, this.context()))
        if (output.ignored) {
            return { ok: false, reason: /too long/.test(output.ignored) ? 'tooLong' : /malformed/.test(output.ignored) ? 'empty' : 'failed' }
        }
        take(buckets.chat, author.userId, limits.chat, now)
        this.dispatch(output)
        const sent = output.effects.find((e) => e.type === 'chat')
        return sent?.type === 'chat' ? { ok: true, message: sent.message } : { ok: false, reason: 'failed' }
    }

    /** The room as a fresh UpdateEvent (for the REST API and tests). */
    snapshot() {
        return snapshot(this.engine)
    }

    /**
     * Runs one engine step. The engine throws only on a bug of its own; then the events it had applied
     * but not handed over are lost, so every connected player is resynced with a fresh UpdateEvent
     * rather than left on a state the server no longer holds. The server itself never goes down for it.
     */
    private run(step: () => EngineOutput): EngineOutput {
        try {
            return step()
        } catch (error) {
            this.deps.log.error({ room: this.name, err: error }, 'room engine step failed; resyncing players')
            const frame = eventFrame(this.snapshot())
            for (const [userId, seat] of this.seats) {
                if (!seat.peer || !this.engine.members.has(userId)) continue
                seat.peer.send(frame)
                seat.awaitsUpdate = false
            }
            return { out: [], effects: [], ignored: 'engine error' }
        }
    }

    private context(): EngineContext {
        return { now: this.deps.now(), random: this.deps.random, address: this.deps.address }
    }

    private housekeeping(): void {
        if (this.closed) return
        if (this.engine.pendingCorrections.size > 0) this.dispatch(this.run(() => tick(this.engine, this.context())))
        const oldest = this.deps.now() - this.deps.timings.maxJoinAgeMs
        for (const [userId, seat] of this.seats) {
            if (seat.joinedAt < oldest) this.remove(userId, 'expired')
        }
    }

    private armIdleTimer(): void {
        if (this.closed || this.idleTimer || this.seats.size > 0) return
        this.idleTimer = setTimeout(() => {
            this.idleTimer = undefined
            if (this.seats.size > 0) return
            this.close(CloseCode.roomClosed)
            this.deps.onClosed(this)
        }, this.deps.timings.emptyRoomIdleMs)
        this.idleTimer.unref()
    }

    private disarmIdleTimer(): void {
        if (this.idleTimer) clearTimeout(this.idleTimer)
        this.idleTimer = undefined
    }

    /** Routes engine output: each event serialized once, sent to the seats its audience names. */
    private dispatch(output: EngineOutput): void {
        if (this.deps.observe) {
            try {
                this.deps.observe(this.name, this.engine, output)
            } catch (error) {
                this.deps.log.error({ room: this.name, err: error }, 'room observer failed')
            }
        }
        const members = this.engine.members
        // Stored before any frame leaves: an event a player saw (their chat line echoed, their result
        // back) means the write is done, so it survives the process dying right after.
        for (const effect of output.effects) this.persistEffect(effect)
        for (const item of output.out) {
            if ('kind' in item) {
                if (item.chat.persist) {
                    const value = renderNotice('en', item.key, item.params)
                    this.deps.persistence.chat(this.name, { userId: null, type: 'text', value }, this.deps.now())
                }
                // System notices are rendered per recipient locale; one frame per locale.
                const frames = new Map<string, Buffer>()
                for (const seat of this.recipients(item.to, members)) {
                    let frame = frames.get(seat.locale)
                    if (!frame) {
                        const value = renderNotice(seat.locale, item.key, item.params)
                        frame = Buffer.from(JSON.stringify({ type: 'addChatMessage', message: { userId: null, type: 'text', value } }))
                        frames.set(seat.locale, frame)
                    }
                    seat.peer!.send(frame)
                }
                continue
            }
            // An UpdateEvent also goes to the seats that wait for one, and ends their wait.
            const update = item.event.type === 'update'
            const seats = this.recipients(item.to, members, update)
            if (!seats.length) continue
            const frame = eventFrame(item.event)
            for (const seat of seats) {
                seat.peer!.send(frame)
                if (update) seat.awaitsUpdate = false
            }
        }
        for (const effect of output.effects) this.applyEffect(effect)
    }

    /**
     * The seats an event goes to. A plain array: a generator allocated an iterator result and a tuple
     * per recipient, on the path every event of every room takes (Map.forEach: no entry arrays either).
     */
    private recipients(to: Audience, members: ReadonlyMap<string, unknown>, update = false): Seat[] {
        const seats: Seat[] = []
        if (to === 'all' || 'except' in to) {
            const except = to === 'all' ? undefined : to.except
            this.seats.forEach((seat, userId) => {
                if (userId !== except && seat.peer && (update || !seat.awaitsUpdate) && members.has(userId)) seats.push(seat)
            })
            return seats
        }
        for (const userId of to.only) {
            const seat = this.seats.get(userId)
            if (seat && seat.peer && (update || !seat.awaitsUpdate) && members.has(userId)) seats.push(seat)
        }
        return seats
    }

    /** The records a player is told of: chat lines, results, reports. */
    private persistEffect(effect: EngineOutput['effects'][number]): void {
        const { persistence, now } = this.deps
        switch (effect.type) {
            case 'chat':
                persistence.chat(this.name, effect.message, effect.at)
                break
            case 'result':
                persistence.result(this.name, effect.round, effect.userId, effect.result, now())
                break
            case 'report':
                persistence.report(this.name, effect.reporterId, effect.targetId, effect.optionValues, now())
                break
        }
    }

    /** Everything else an engine step asks for, once its frames are out. */
    private applyEffect(effect: EngineOutput['effects'][number]): void {
        const { persistence, now } = this.deps
        switch (effect.type) {
            case 'kick': {
                persistence.ban(this.name, effect.userId, now() + this.deps.timings.kickBanMs)
                this.unseat(effect.userId, CloseCode.kicked)
                break
            }
            case 'titleChanged':
                persistence.roomChanged(this.name, { title: effect.title })
                break
            case 'settingsChanged':
                persistence.roomChanged(this.name, { optionValues: this.engine.view.optionValues })
                break
            case 'roundStarted':
                this.deps.log.info({ room: this.name, round: effect.round, players: effect.participants.length }, 'round started')
                break
            case 'roundFinished':
                this.deps.log.info({ room: this.name, round: effect.round, results: effect.results.length }, 'round finished')
                break
        }
    }
}
