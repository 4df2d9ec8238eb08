// Event reducers for round starts, round results and chat lines (chat leaves the room state as it is).
import { findUser, type Reducers } from './checks.js'

export const roundsReducers: Reducers<'startRound' | 'addResult' | 'addChatMessage'> = {
    startRound(_view, event, _ctx, fail) {
        // Round tracking is the client's own (ClientModel); the room state does not change.
        if (typeof event.state !== 'string' || typeof event.seed !== 'number') fail('malformed round')
    },

    addResult(view, event, _ctx, fail) {
        const entry = event.result
        if (typeof entry !== 'object' || entry === null || typeof entry.result !== 'object' || entry.result === null) {
            fail('result is not a result entry')
        }
        if (typeof entry.userId !== 'string' || findUser(view, entry.userId) < 0) fail('user of result does not exist')
        if (view.results.some((r) => r.userId === entry.userId)) fail('user of result already has a result')
        view.results.push(entry)
    },

    addChatMessage(_view, event, _ctx, fail) {
        const message = event.message
        if (typeof message !== 'object' || message === null) fail('message is not an object')
        if (message.type !== 'text' && message.type !== 'quick') fail('unknown message type')
        if (typeof message.value !== 'string') fail('message value is not a string')
        if (event.nonce !== undefined && typeof event.nonce !== 'number') fail('nonce is not a number')
    },
}
