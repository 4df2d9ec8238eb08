// Event reducers for level suggestions and their lock.
import { checkSuggestion, checkSuggestions, type Reducers, sameSuggestion } from './checks.js'

export const suggestionsReducers: Reducers<
    'updateIsSuggestionsLocked' | 'addSuggestion' | 'removeSuggestion' | 'swapSuggestions' | 'updateSuggestions' | 'clearSuggestions'
> = {
    updateIsSuggestionsLocked(view, event, _ctx, fail) {
        if (typeof event.isSuggestionsLocked !== 'boolean') fail('isSuggestionsLocked is not a boolean')
        view.isSuggestionsLocked = event.isSuggestionsLocked
    },

    addSuggestion(view, event, _ctx, fail) {
        checkSuggestion(event.suggestion, fail)
        if (view.suggestions.some((s) => sameSuggestion(s, event.suggestion))) fail('suggestion already exists')
        view.suggestions.push(event.suggestion)
    },

    removeSuggestion(view, event, _ctx, fail) {
        checkSuggestion(event.suggestion, fail)
        const at = view.suggestions.findIndex((s) => sameSuggestion(s, event.suggestion))
        if (at < 0) fail('suggestion does not exist')
        view.suggestions.splice(at, 1)
    },

    swapSuggestions(view, event, _ctx, fail) {
        checkSuggestion(event.suggestionA, fail)
        checkSuggestion(event.suggestionB, fail)
        const a = view.suggestions.findIndex((s) => sameSuggestion(s, event.suggestionA))
        if (a < 0) fail('suggestionA does not exist')
        const b = view.suggestions.findIndex((s) => sameSuggestion(s, event.suggestionB))
        if (b < 0) fail('suggestionB does not exist')
        const sa = view.suggestions[a]!
        view.suggestions[a] = view.suggestions[b]!
        view.suggestions[b] = sa
    },

    updateSuggestions(view, event, _ctx, fail) {
        checkSuggestions(event.suggestions, fail)
        view.suggestions = [...event.suggestions]
    },

    clearSuggestions(view) {
        view.suggestions = []
    },
}
