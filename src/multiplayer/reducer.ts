// The event reducer: what a Sonolus client does upon receiving each event
// (https://wiki.sonolus.com/round-multiplayer-server-specs/events/...), with every "raise a fatal error if"
// rule and the state
// invariants of https://wiki.sonolus.com/round-multiplayer-server-specs/state/.... The server folds its own
// events with it, so the
// server's view is exactly the fold of what it sent.
//
// Every reducer checks everything first and mutates only after, so a throw leaves the view untouched.
// Objects taken from an event into the view are never mutated later (arrays and sections are copied),
// so an event already queued for sending cannot change under the sender.
//
// Readings taken where the protocol is open (Ensemble's strict reading):
// - user status vs room status: 'waiting' fits every room status, 'ready' / 'skipped' fit preparing and
//   playing, 'playing' fits playing only; selecting therefore means everybody waits.
// - UpdateStatusEvent's "changing status to waiting" names no room status and is not implemented; the
//   server resets statuses itself before going back to selecting, so either reading ends the same.
// - a user exists when an entry with the same user id is in `users`; RemoveUserEvent must carry the
//   exact entry (both fields equal).
// - RemoveUserEvent also drops the user's status entry (the server sends the statuses without the user
//   right before, so a client that keeps it and one that drops it agree).
// - scoreboard: a user appears at most once in the whole scoreboard (the state rule "contains duplicated
//   users", read across sections).
//
// One reducer per event type, grouped by feature under reducers/; the map below must name every event
// type, so an event without a reducer does not compile.
import type { Event } from '@sonolus/core'
import { FatalEventError } from './errors.js'
import type { ApplyContext, Reduce, Reducers } from './reducers/checks.js'
import { levelReducers } from './reducers/level.js'
import { roomReducers } from './reducers/room.js'
import { roundsReducers } from './reducers/rounds.js'
import { scoreboardReducers } from './reducers/scoreboard.js'
import { suggestionsReducers } from './reducers/suggestions.js'
import { usersReducers } from './reducers/users.js'
import type { RoomView } from './state.js'

export { isCompatible, sameSil, sameSuggestion, type ApplyContext } from './reducers/checks.js'

export const reducers: Reducers<Event['type']> = {
    ...roomReducers,
    ...usersReducers,
    ...levelReducers,
    ...suggestionsReducers,
    ...roundsReducers,
    ...scoreboardReducers,
}

export function applyEvent(view: RoomView, event: Event, ctx: ApplyContext = {}): void {
    if (typeof event !== 'object' || event === null) throw new FatalEventError('event is not an object')
    const type = (event as { type?: unknown }).type
    const fail = (message: string): never => {
        throw new FatalEventError(message, String(type))
    }
    const reduce = typeof type === 'string' && Object.hasOwn(reducers, type) ? (reducers[type as Event['type']] as Reduce<Event['type']>) : undefined
    if (!reduce) return fail('unknown event type')
    reduce(view, event, ctx, fail)
}
