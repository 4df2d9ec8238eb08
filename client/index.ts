// Ensemble's TypeScript client for bots and tests: connects with a join answer, keeps a local copy of
// the room with the same reducer the server and the Sonolus app rules use, and exposes typed commands
// and the events as an async stream. A fatal error of the local model means the server sent an event a
// Sonolus client would reject: it is kept in `fatal` and ends the stream. It is also published on its
// own (client/package.json): its only runtime dependency is `ws`; `@sonolus/core` is imported for types
// only, so every import of it here and in the multiplayer modules it uses must stay `import type`.
import type {
    AutoExit,
    ChatMessage,
    Command,
    Event,
    GameplayResult,
    LevelItem,
    RoomStatus,
    RoomUser,
    ServerJoinRoomResponse,
    Sil,
    Suggestion,
    UserStatus,
} from '@sonolus/core'
import { WebSocket, type RawData } from 'ws'
import { ClientModel } from '../src/multiplayer/client-model.js'

export type ConnectOptions = {
    /** The id of the signed-in user; the model checks events against it as the app does. */
    userId: string
    /** Optional check of every RoomUser (signature, address, room, age), as the app does. */
    verifyUser?: (user: RoomUser) => string | null
    /** Extra headers for the upgrade request. */
    headers?: Record<string, string>
    /** Milliseconds to wait for the socket to open. */
    timeoutMs?: number
    /**
     * Sees every frame as it came off the socket, before the client reads it (tests check frames against
     * the official schemas with it); an exception it throws becomes the client's fatal error.
     */
    onFrame?: (data: RawData, isBinary: boolean) => void
    /**
     * How many events `received` keeps and how many the `events()` stream holds for a reader that is
     * behind (oldest dropped first; default 1000), so a bot running for days stays bounded.
     */
    maxEvents?: number
    /** How many chat messages the model keeps (oldest dropped first; default 1000). */
    maxChat?: number
}

const DEFAULT_MAX_EVENTS = 1000

export type Closed = { code: number; reason: string }

type Waiter = { predicate: (event: Event) => boolean; resolve: (event: Event) => void; reject: (error: Error) => void }

export class RoomClient {
    readonly model: ClientModel
    readonly userId: string
    /** The latest events received (at most `maxEvents`), in order: the app's view before the model filters it. */
    readonly received: Event[] = []
    /** Events the `events()` stream dropped because its reader fell more than `maxEvents` behind. */
    droppedEvents = 0
    fatal: Error | undefined
    closedWith: Closed | undefined
    readonly closed: Promise<Closed>

    private readonly ws: WebSocket
    private nonce = 0
    /** Index in `received` of the first event `next` has not looked at. */
    private cursor = 0
    private readonly waiters = new Set<Waiter>()
    private readonly queue: Event[] = []
    private pull: (() => void) | undefined
    private readonly maxEvents: number

    private constructor(ws: WebSocket, options: ConnectOptions) {
        this.ws = ws
        this.userId = options.userId
        this.maxEvents = Math.max(1, options.maxEvents ?? DEFAULT_MAX_EVENTS)
        this.model = new ClientModel(options.userId, {
            ...(options.verifyUser ? { verifyUser: options.verifyUser } : {}),
            ...(options.maxChat !== undefined ? { chatLimit: Math.max(1, options.maxChat) } : {}),
        })
        this.closed = new Promise((resolve) => {
            ws.on('close', (code, reason) => {
                this.closedWith = { code, reason: reason.toString() }
                for (const waiter of this.waiters) waiter.reject(new Error(`socket closed ${code} ${reason.toString()}`))
                this.waiters.clear()
                this.pull?.()
                resolve(this.closedWith)
            })
        })
        const onFrame = options.onFrame
        // The protocol is JSON in UTF-8 text frames; the app does not read binary ones.
        ws.on('message', (data, isBinary) => {
            try {
                onFrame?.(data, isBinary)
            } catch (error) {
                this.fail(error instanceof Error ? error : new Error(String(error)))
                return
            }
            if (isBinary) this.fail(new Error('binary frame: events must be text frames'))
            else this.onMessage(data.toString())
        })
    }

    /** Opens the WebSocket from a `POST /sonolus/rooms/{name}` answer. */
    static connect(answer: ServerJoinRoomResponse, options: ConnectOptions): Promise<RoomClient> {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(answer.url, {
                headers: { 'Sonolus-Room-Session': answer.session, ...options.headers },
                handshakeTimeout: options.timeoutMs ?? 10_000,
            })
            const client = new RoomClient(ws, options)
            ws.once('open', () => resolve(client))
            ws.once('unexpected-response', (_req, res) => {
                reject(new Error(`join refused: HTTP ${res.statusCode}`))
                ws.terminate()
            })
            ws.once('error', reject)
        })
    }

    get isOpen(): boolean {
        return this.ws.readyState === WebSocket.OPEN
    }

    /** Sends any command, valid or not (tests send hostile ones on purpose). */
    sendRaw(data: unknown): void {
        this.ws.send(typeof data === 'string' ? data : JSON.stringify(data))
    }

    send(command: Command): void {
        this.sendRaw(command)
    }

    chat(value: string): number {
        const nonce = ++this.nonce
        this.send({ type: 'addChatMessage', nonce, message: { userId: this.userId, type: 'text', value } as ChatMessage })
        return nonce
    }

    quickChat(value: 'hello' | 'glhf' | 'gg' | 'ns' | 'ty'): number {
        const nonce = ++this.nonce
        this.send({ type: 'addChatMessage', nonce, message: { userId: this.userId, type: 'quick', value } as ChatMessage })
        return nonce
    }

    addSuggestion(level: Sil): void {
        this.send({ type: 'addSuggestion', level })
    }
    removeSuggestion(suggestion: Suggestion): void {
        this.send({ type: 'removeSuggestion', suggestion })
    }
    swapSuggestions(suggestionA: Suggestion, suggestionB: Suggestion): void {
        this.send({ type: 'swapSuggestions', suggestionA, suggestionB })
    }
    clearSuggestions(): void {
        this.send({ type: 'clearSuggestions' })
    }
    lockSuggestions(isSuggestionsLocked: boolean): void {
        this.send({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked })
    }
    selectLevel(level: Sil): void {
        this.send({ type: 'updateLevel', level })
    }
    setLevelOption(index: number, value: number): void {
        this.send({ type: 'updateLevelOption', levelOption: { index, value } })
    }
    setAutoExit(autoExit: AutoExit): void {
        this.send({ type: 'updateAutoExit', autoExit })
    }
    setOptionValues(optionValues: string): void {
        this.send({ type: 'updateOptionValues', optionValues })
    }
    setStatus(status: RoomStatus): void {
        this.send({ type: 'updateStatus', status })
    }
    setUserStatus(status: UserStatus): void {
        this.send({ type: 'updateUserStatus', status })
    }
    setMaster(master: string): void {
        this.send({ type: 'updateMaster', master } as Command)
    }
    setLead(lead: string): void {
        this.send({ type: 'updateLead', lead } as Command)
    }
    kick(userId: string): void {
        this.send({ type: 'removeUser', userId } as Command)
    }
    report(userId: string, optionValues: string): void {
        this.send({ type: 'reportUser', userId, optionValues } as Command)
    }
    resetScoreboard(): void {
        this.send({ type: 'resetScoreboard' })
    }

    /** Enters gameplay as the app does: the model is suspended until `finishGameplay`. */
    startGameplay(state: string, level: LevelItem): void {
        this.send({ type: 'startGameplay', state, level })
        this.model.startGameplay()
    }

    /** Leaves gameplay: the model awaits a fresh UpdateEvent, as the app does. */
    finishGameplay(state: string, result: GameplayResult): void {
        this.send({ type: 'finishGameplay', state, result })
        this.model.finishGameplay()
    }

    /**
     * Resolves with the first event not yet taken by `next` that matches (events that arrive together
     * with the upgrade answer are not lost); events skipped on the way count as taken, and so do events
     * older than the last `maxEvents`.
     */
    next(predicate: (event: Event) => boolean = () => true, timeoutMs = 5000): Promise<Event> {
        return new Promise((resolve, reject) => {
            while (this.cursor < this.received.length) {
                const event = this.received[this.cursor++]!
                if (predicate(event)) return resolve(event)
            }
            if (this.fatal) return reject(this.fatal)
            if (this.closedWith) return reject(new Error(`socket closed ${this.closedWith.code}`))
            const timer = setTimeout(() => {
                this.waiters.delete(waiter)
                reject(new Error('timed out waiting for an event'))
            }, timeoutMs)
            const waiter: Waiter = {
                predicate,
                resolve: (event) => {
                    clearTimeout(timer)
                    resolve(event)
                },
                reject: (error) => {
                    clearTimeout(timer)
                    reject(error)
                },
            }
            this.waiters.add(waiter)
        })
    }

    /** Resolves with the next event of a type. */
    nextOf<T extends Event['type']>(type: T, timeoutMs?: number): Promise<Extract<Event, { type: T }>> {
        return this.next((event) => event.type === type, timeoutMs) as Promise<Extract<Event, { type: T }>>
    }

    /** Events as an async stream, ending when the socket closes. */
    async *events(): AsyncGenerator<Event> {
        for (;;) {
            const event = this.queue.shift()
            if (event) {
                yield event
                continue
            }
            if (this.closedWith || this.fatal) return
            await new Promise<void>((resolve) => (this.pull = resolve))
            this.pull = undefined
        }
    }

    close(code = 1000): Promise<Closed> {
        if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code)
        return this.closed
    }

    /** Drops the connection without a close handshake, as a lost network would. */
    drop(): void {
        this.ws.terminate()
    }

    private onMessage(text: string): void {
        let event: Event
        try {
            event = JSON.parse(text) as Event
        } catch {
            this.fail(new Error(`server sent invalid JSON: ${text.slice(0, 80)}`))
            return
        }
        this.received.push(event)
        if (this.received.length > this.maxEvents) {
            const excess = this.received.length - this.maxEvents
            this.received.splice(0, excess)
            this.cursor = Math.max(0, this.cursor - excess)
        }
        try {
            this.model.receive(event)
        } catch (error) {
            this.fail(error instanceof Error ? error : new Error(String(error)))
            return
        }
        this.queue.push(event)
        if (this.queue.length > this.maxEvents) {
            this.queue.shift()
            this.droppedEvents++
        }
        this.pull?.()
        if (this.waiters.size > 0) this.cursor = this.received.length
        for (const waiter of [...this.waiters]) {
            if (waiter.predicate(event)) {
                this.waiters.delete(waiter)
                waiter.resolve(event)
            }
        }
    }

    private fail(error: Error): void {
        this.fatal ??= error
        for (const waiter of this.waiters) waiter.reject(error)
        this.waiters.clear()
        this.pull?.()
    }
}
