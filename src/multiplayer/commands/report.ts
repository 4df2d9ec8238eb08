// reportUser: stored for moderators with the report form's values (canonical form).
import { canonicalOptionValues } from '../options.js'
import { take } from '../rate-limit.js'
import { asUserId } from '../validate.js'
import { malformed, quietly, type Handler } from './common.js'

export const reportUser: Handler = (em, actorId, command) => {
    const target = asUserId(command.userId)
    if (target === null || typeof command.optionValues !== 'string') return malformed('report')
    const room = em.room
    if (target === actorId) return quietly('cannot report yourself')
    if (!room.members.has(target)) return quietly('no such user')
    const optionValues = canonicalOptionValues(room.view.reportUserOptions, command.optionValues)
    if (optionValues === null) return quietly('invalid report values')
    if (!take(room.buckets.report, actorId, room.limits.report, em.ctx.now)) return quietly('too many reports')
    em.effect({ type: 'report', reporterId: actorId, targetId: target, optionValues })
    em.notice({ only: [actorId] }, 'report.received', {}, false)
}
