// Suggestions (https://wiki.sonolus.com/round-multiplayer-server-specs/state/suggestions): anyone adds
// (unless locked; the lead always may), the lead
// manages them, a player may remove their own.
import type { ServiceUserId } from '@sonolus/core'
import { sameSuggestion } from '../reducer.js'
import { asSil, asSuggestion } from '../validate.js'
import { isLead, malformed, refuse, type Handler } from './common.js'
import { isAllowedLevel } from './level.js'

export const addSuggestion: Handler = (em, actorId, command) => {
    const level = asSil(command.level)
    if (level === null) return malformed('level')
    const { view, limits, settings } = em.room
    if (view.isSuggestionsLocked && !isLead(em, actorId)) return refuse('suggestions are locked')
    if (!isAllowedLevel(em, level)) return refuse('levels from other servers are not allowed')
    const suggestion = { userId: actorId as ServiceUserId, level }
    if (view.suggestions.some((s) => sameSuggestion(s, suggestion))) return refuse('already suggested')
    if (view.suggestions.length >= limits.suggestionsMax) return refuse('too many suggestions')
    let own = 0
    for (const s of view.suggestions) if (s.userId === actorId) own++
    if (own >= settings.suggestionsPerPlayer) return refuse('too many suggestions from this player')
    em.emit({ type: 'addSuggestion', suggestion })
}

export const removeSuggestion: Handler = (em, actorId, command) => {
    const suggestion = asSuggestion(command.suggestion)
    if (suggestion === null) return malformed('suggestion')
    if (!isLead(em, actorId) && suggestion.userId !== actorId) return refuse('not the lead')
    const existing = em.room.view.suggestions.find((s) => sameSuggestion(s, suggestion))
    if (!existing) return refuse('no such suggestion')
    em.emit({ type: 'removeSuggestion', suggestion: existing })
}

export const swapSuggestions: Handler = (em, actorId, command) => {
    const a = asSuggestion(command.suggestionA)
    const b = asSuggestion(command.suggestionB)
    if (a === null || b === null) return malformed('suggestions')
    if (!isLead(em, actorId)) return refuse('not the lead')
    const suggestions = em.room.view.suggestions
    const sa = suggestions.find((s) => sameSuggestion(s, a))
    const sb = suggestions.find((s) => sameSuggestion(s, b))
    if (!sa || !sb) return refuse('no such suggestion')
    if (sa === sb) return
    em.emit({ type: 'swapSuggestions', suggestionA: sa, suggestionB: sb })
}

export const clearSuggestions: Handler = (em, actorId) => {
    if (!isLead(em, actorId)) return refuse('not the lead')
    if (em.room.view.suggestions.length === 0) return
    em.emit({ type: 'clearSuggestions' })
}

export const updateIsSuggestionsLocked: Handler = (em, actorId, command) => {
    const locked = command.isSuggestionsLocked
    if (typeof locked !== 'boolean') return malformed('isSuggestionsLocked')
    if (!isLead(em, actorId)) return refuse('not the lead')
    if (em.room.view.isSuggestionsLocked === locked) return
    em.emit({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked: locked })
}
