// What the engine hands the runtime: deliveries in order, system notices to render per locale, and
// effects (what must be persisted or acted on). The runtime depends on these types exactly.
import type { ChatMessage, Event, GameplayResult, ResultEntry, Sil } from '@sonolus/core'
import type { NoticeKey } from './notices.js'
import { applyEvent } from './reducer.js'
import { snapshot, type EngineRoom } from './state.js'

/**
 * Who receives an item. 'all' = every user in the room's users. Resolving it against the users after
 * the whole output was applied gives the same recipients as resolving it per item, except for a player
 * who joins in this output: they receive the 'all' items after their AddUserEvent, before their own
 * UpdateEvent, and ignore them as an uninitialized client does.
 */
export type Audience = 'all' | { only: string[] } | { except: string }

export type Delivery = { event: Event; to: Audience }

/** A system chat line (`userId: null`) the runtime renders with `renderNotice` per recipient locale. */
export type Notice = {
    kind: 'notice'
    to: Audience
    key: NoticeKey
    params: Record<string, string | number>
    /** Whether the runtime keeps it in the room's chat history. */
    chat: { persist: boolean }
}

export type Effect =
    | { type: 'chat'; message: ChatMessage; at: number }
    | { type: 'result'; round: number; userId: string; result: GameplayResult }
    | { type: 'report'; reporterId: string; targetId: string; optionValues: string }
    | { type: 'kick'; userId: string }
    | { type: 'roundStarted'; round: number; state: string; level: Sil | null; participants: string[] }
    | { type: 'roundFinished'; round: number; results: ResultEntry[] }
    | { type: 'titleChanged'; title: string }
    | { type: 'settingsChanged' }

export type EngineOutput = { out: (Delivery | Notice)[]; effects: Effect[]; ignored?: string }

export type EngineContext = {
    now: number
    /** Uniform in [0, 1); the only source of randomness. */
    random: () => number
    /** This server's address, for Sil checks (allowOtherServers). */
    address: string
}

/**
 * Collects one input's output. `emit` applies the event to the room's view first and queues it only
 * when that succeeded, so the room's state is always exactly the fold of what it sent.
 */
export class Emitter {
    readonly out: (Delivery | Notice)[] = []
    readonly effects: Effect[] = []

    constructor(
        readonly room: EngineRoom,
        readonly ctx: EngineContext,
    ) {}

    emit(event: Event, to: Audience = 'all'): void {
        applyEvent(this.room.view, event)
        this.out.push({ event, to })
    }

    /** A full UpdateEvent for one player (not applied: it is the state itself). */
    sendSnapshot(userId: string): void {
        this.out.push({ event: snapshot(this.room), to: { only: [userId] } })
    }

    notice(to: Audience, key: NoticeKey, params: Record<string, string | number> = {}, persist = true): void {
        this.out.push({ kind: 'notice', to, key, params, chat: { persist } })
    }

    effect(effect: Effect): void {
        this.effects.push(effect)
    }

    done(ignored?: string): EngineOutput {
        return ignored === undefined ? { out: this.out, effects: this.effects } : { out: this.out, effects: this.effects, ignored }
    }
}
