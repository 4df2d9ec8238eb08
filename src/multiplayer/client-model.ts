// A model of one Sonolus client (https://wiki.sonolus.com/round-multiplayer-server-specs/state/overview):
// ignores everything until
// an UpdateEvent, ignores everything while suspended in gameplay, goes back to uninitialized after
// gameplay, and raises a fatal error (FatalEventError) on any event the app would reject.
import type { ChatMessage, Event, RoomUser } from '@sonolus/core'
import { FatalEventError } from './errors.js'
import { applyEvent, type ApplyContext } from './reducer.js'
import { blankView, type RoomView } from './state.js'

export type ClientPhase = 'uninitialized' | 'active' | 'suspended'

export type ClientModelOptions = {
    /** Checks every RoomUser as the app does (signature, address, room, 24 h); error text or null. */
    verifyUser?: (user: RoomUser) => string | null
    /** How many chat messages to keep (oldest dropped first). */
    chatLimit?: number
}

export type ChatEntry = { message: ChatMessage; nonce?: number }

export class ClientModel {
    phase: ClientPhase = 'uninitialized'
    view: RoomView | null = null
    /** The round this client was told to start (StartRoundEvent), until the room stops playing. */
    roundStarted: { state: string; seed: number } | null = null
    readonly chat: ChatEntry[] = []
    /** Nonces of own chat messages not yet echoed by the server. */
    readonly pendingNonces = new Set<number>()

    private readonly ctx: ApplyContext
    private readonly chatLimit: number
    private nonce = 0

    constructor(
        readonly selfId: string,
        options: ClientModelOptions = {},
    ) {
        this.ctx = options.verifyUser ? { selfId, verifyUser: options.verifyUser } : { selfId }
        this.chatLimit = options.chatLimit ?? 1000
    }

    receive(event: Event): void {
        if (this.phase === 'suspended') return
        if (this.phase === 'uninitialized' && (typeof event !== 'object' || event === null || event.type !== 'update')) return

        if (event.type === 'update') {
            const view = this.view ?? blankView()
            applyEvent(view, event, this.ctx)
            this.view = view
            this.phase = 'active'
            this.roundStarted = null
            return
        }

        const view = this.view!
        if (event.type === 'startRound') {
            if (this.roundStarted) throw new FatalEventError('round has already started', 'startRound')
            applyEvent(view, event, this.ctx)
            this.roundStarted = { state: event.state, seed: event.seed }
            return
        }

        applyEvent(view, event, this.ctx)
        if (event.type === 'updateStatus' && event.status !== 'playing') this.roundStarted = null
        if (event.type === 'addChatMessage') {
            const entry: ChatEntry = event.nonce === undefined ? { message: event.message } : { message: event.message, nonce: event.nonce }
            this.chat.push(entry)
            if (this.chat.length > this.chatLimit) this.chat.splice(0, this.chat.length - this.chatLimit)
            if (event.nonce !== undefined) this.pendingNonces.delete(event.nonce)
        }
    }

    /** A nonce for the next own chat message; it stays pending until echoed. */
    nextNonce(): number {
        this.nonce += 1
        this.pendingNonces.add(this.nonce)
        return this.nonce
    }

    /** The app enters gameplay: every message is ignored until it comes back. */
    startGameplay(): void {
        this.phase = 'suspended'
    }

    /** The app leaves gameplay and awaits a fresh UpdateEvent. */
    finishGameplay(): void {
        this.phase = 'uninitialized'
    }
}
