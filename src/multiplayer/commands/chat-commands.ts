// Chat commands. Answers meant for the sender go to the sender only and are not kept; results meant
// for the room (rolls, picks, kicks, titles) go to everybody and are kept.
//   /help                 the list of commands
//   /roll [max]           a number from 1 to max (default 100)
//   /random               a random suggestion; the lead, while selecting, selects it as the level
//   /lock, /unlock        lead: lock or unlock suggestions
//   /title <text>         master: rename the room
//   /kick <handle|name>   master: kick a player
import type { NoticeKey } from '../notices.js'
import type { Emitter } from '../output.js'
import { isLead, isMaster } from './common.js'
import { isAllowedLevel } from './level.js'
import { kick } from './roles.js'

const MAX_ROLL = 1_000_000_000

export function runChatCommand(em: Emitter, actorId: string, text: string): void {
    const trimmed = text.slice(1).trim()
    const space = trimmed.search(/\s/)
    const name = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase()
    const args = space < 0 ? '' : trimmed.slice(space + 1).trim()
    const command = `/${name}`
    const reply = (key: NoticeKey, params: Record<string, string | number> = {}) => em.notice({ only: [actorId] }, key, params, false)
    const actor = em.room.members.get(actorId)!

    switch (name) {
        case 'help':
            reply('command.help')
            return

        case 'roll': {
            let max = 100
            if (args !== '') {
                max = Number(args)
                if (!/^\d+$/.test(args) || !Number.isSafeInteger(max) || max < 1 || max > MAX_ROLL) {
                    reply('command.usage', { usage: '/roll [max]' })
                    return
                }
            }
            const value = 1 + Math.floor(em.ctx.random() * max)
            em.notice('all', 'roll.result', { name: actor.name, value, max })
            return
        }

        case 'random': {
            const view = em.room.view
            if (view.suggestions.length === 0) {
                reply('random.none')
                return
            }
            const index = Math.min(view.suggestions.length - 1, Math.floor(em.ctx.random() * view.suggestions.length))
            const pick = view.suggestions[index]!
            const by = em.room.members.get(pick.userId)?.name ?? pick.userId
            if (isLead(em, actorId) && view.status === 'selecting' && isAllowedLevel(em, pick.level)) {
                em.emit({ type: 'updateLevel', level: pick.level })
                em.notice('all', 'random.picked', { name: actor.name, level: pick.level.name, by })
            } else {
                em.notice('all', 'random.announced', { level: pick.level.name, by })
            }
            return
        }

        case 'lock':
        case 'unlock': {
            if (!isLead(em, actorId)) {
                reply('command.notAllowed', { role: 'lead', command })
                return
            }
            const locked = name === 'lock'
            if (em.room.view.isSuggestionsLocked !== locked) {
                em.emit({ type: 'updateIsSuggestionsLocked', isSuggestionsLocked: locked })
            }
            em.notice('all', locked ? 'suggestions.locked' : 'suggestions.unlocked', { name: actor.name })
            return
        }

        case 'title': {
            if (!isMaster(em, actorId)) {
                reply('command.notAllowed', { role: 'master', command })
                return
            }
            const title = args
            if (title.length === 0 || [...title].length > em.room.limits.titleMaxLength) {
                reply('command.usage', { usage: `/title <text, at most ${em.room.limits.titleMaxLength} characters>` })
                return
            }
            if (title !== em.room.view.title) {
                em.emit({ type: 'updateTitle', title })
                em.effect({ type: 'titleChanged', title })
            }
            em.notice('all', 'title.changed', { name: actor.name, title })
            return
        }

        case 'kick': {
            if (!isMaster(em, actorId)) {
                reply('command.notAllowed', { role: 'master', command })
                return
            }
            if (args === '') {
                reply('command.usage', { usage: '/kick <handle or name>' })
                return
            }
            const wanted = args.startsWith('#') ? args.slice(1) : args
            const members = [...em.room.members.values()]
            let matches = members.filter((m) => m.handle !== '' && m.handle === wanted)
            if (matches.length === 0) matches = members.filter((m) => m.name.toLowerCase() === args.toLowerCase())
            if (matches.length === 0) {
                reply('kick.notFound', { target: args })
                return
            }
            if (matches.length > 1) {
                reply('kick.ambiguous', { target: args })
                return
            }
            const target = matches[0]!
            if (target.id === actorId) {
                reply('kick.self')
                return
            }
            kick(em, target.id)
            return
        }

        default:
            reply('command.unknown', { command })
    }
}
