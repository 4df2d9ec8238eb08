// updateLevel, updateLevelOption, updateAutoExit: the lead's, while selecting.
import type { Sil } from '@sonolus/core'
import type { Emitter } from '../output.js'
import { asAutoExit, asLevelOption, asSil } from '../validate.js'
import { isLead, malformed, refuse, type Handler } from './common.js'

/** Whether a level may be used here (https://wiki.sonolus.com/round-multiplayer-server-specs/state/allow-other-servers). */
export function isAllowedLevel(em: Emitter, level: Sil): boolean {
    return em.room.view.allowOtherServers || level.address === em.ctx.address
}

export const updateLevel: Handler = (em, actorId, command) => {
    const level = asSil(command.level)
    if (level === null) return malformed('level')
    if (!isLead(em, actorId)) return refuse('not the lead')
    if (em.room.view.status !== 'selecting') return refuse('not selecting')
    if (!isAllowedLevel(em, level)) return refuse('levels from other servers are not allowed')
    em.emit({ type: 'updateLevel', level })
}

export const updateLevelOption: Handler = (em, actorId, command) => {
    const levelOption = asLevelOption(command.levelOption)
    if (levelOption === null) return malformed('levelOption')
    if (!isLead(em, actorId)) return refuse('not the lead')
    const view = em.room.view
    if (view.status !== 'selecting') return refuse('not selecting')
    if (view.level === null) return refuse('no level selected')
    if (view.levelOptions.some((o) => o.index === levelOption.index && Object.is(o.value, levelOption.value))) return
    em.emit({ type: 'updateLevelOption', levelOption })
}

export const updateAutoExit: Handler = (em, actorId, command) => {
    const autoExit = asAutoExit(command.autoExit)
    if (autoExit === null) return malformed('autoExit')
    if (!isLead(em, actorId)) return refuse('not the lead')
    if (em.room.view.status !== 'selecting') return refuse('not selecting')
    if (em.room.view.autoExit === autoExit) return
    em.emit({ type: 'updateAutoExit', autoExit })
}
