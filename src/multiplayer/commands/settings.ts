// updateOptionValues and resetScoreboard: the master's.
import { canonicalOptionValues, parseOptionValues, roomSettings } from '../options.js'
import { reassignTeams, rebuildScoreboard } from '../scoreboard.js'
import { isMaster, malformed, refuse, type Handler } from './common.js'

export const updateOptionValues: Handler = (em, actorId, command) => {
    if (typeof command.optionValues !== 'string') return malformed('optionValues')
    if (!isMaster(em, actorId)) return refuse('not the master')
    const room = em.room
    const canonical = canonicalOptionValues(room.view.options, command.optionValues)
    if (canonical === null) return refuse('invalid option values')
    if (canonical === room.view.optionValues) {
        // Same values written differently: the sender's copy holds their spelling, so it is repaired.
        return command.optionValues === canonical ? undefined : refuse('same values')
    }
    em.emit({ type: 'updateOptionValues', optionValues: canonical })
    const before = room.settings
    const after = roomSettings(parseOptionValues(room.view.options, canonical), room.limits.suggestionsMax)
    room.settings = after
    if (after.teams !== before.teams) reassignTeams(room)
    if (after.teams !== before.teams || after.scoring !== before.scoring) rebuildScoreboard(em)
    em.effect({ type: 'settingsChanged' })
}

export const resetScoreboard: Handler = (em, actorId) => {
    if (!isMaster(em, actorId)) return refuse('not the master')
    const room = em.room
    room.stats.clear()
    if (room.view.scoreboardSections.every((s) => s.scores.length === 0)) return
    rebuildScoreboard(em)
}
