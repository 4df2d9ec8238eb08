// What a live room's engine output means for the room's feed (room-feeds.ts): chat lines (players',
// the API's and public system lines, rendered in English), players joining and leaving, their statuses,
// master, lead, title, status, level, round start, results, round end, and the scoreboard whenever it
// changed. Private deliveries (a
// sender's echo, a refusal shown to one player) are not part of the room's story and are skipped.
import { renderNotice, roomUserInfo, type EngineOutput, type EngineRoom } from '../multiplayer/index.js'
import type { FeedEvent } from './room-feeds.js'

/** The scoreboard as the feed (and GET /api/rooms/{name}/scoreboard) shows it. */
export function scoreboardOf(room: EngineRoom) {
    return room.view.scoreboardSections.map((section) => ({
        title: String(section.title),
        scores: section.scores.map((score) => ({
            user_id: score.userId as string,
            name: room.members.get(score.userId)?.name ?? null,
            value: String(score.value),
        })),
    }))
}

export type FeedMemory = { scoreboard: string }

/** A member's display name (null for no one, or a user the room no longer knows). */
const nameIn = (room: EngineRoom, userId: string | null): string | null => (userId === null ? null : (room.members.get(userId)?.name ?? null))

export function feedEventsOf(room: EngineRoom, output: EngineOutput, memory: FeedMemory, at: number): FeedEvent[] {
    const events: FeedEvent[] = []
    for (const item of output.out) {
        if ('kind' in item) {
            if (item.chat.persist) events.push({ type: 'chat', user_id: null, value: renderNotice('en', item.key, item.params), at })
            continue
        }
        if (item.to !== 'all' && 'only' in item.to) continue
        const event = item.event
        switch (event.type) {
            case 'addChatMessage':
                events.push({ type: 'chat', user_id: event.message.userId, value: String(event.message.value), message_type: event.message.type, at })
                break
            case 'addUser': {
                const info = roomUserInfo(event.user)
                if (info) events.push({ type: 'player_joined', user_id: info.id, name: info.name, handle: info.handle, at })
                break
            }
            case 'removeUser': {
                const info = roomUserInfo(event.user)
                if (info) events.push({ type: 'player_left', user_id: info.id, name: info.name, handle: info.handle, at })
                break
            }
            case 'updateUserStatus':
                events.push({ type: 'player_status', user_id: event.userStatus.userId, status: event.userStatus.status, at })
                break
            // Several statuses at once (a round starting, cancelled or finished): one event each, as above.
            case 'updateUserStatuses':
                for (const entry of event.userStatuses) events.push({ type: 'player_status', user_id: entry.userId, status: entry.status, at })
                break
            case 'updateMaster':
                events.push({ type: 'master', user_id: event.master, name: nameIn(room, event.master), at })
                break
            case 'updateLead':
                events.push({ type: 'lead', user_id: event.lead, name: nameIn(room, event.lead), at })
                break
            case 'updateTitle':
                events.push({ type: 'title', title: String(event.title), at })
                break
            case 'updateStatus':
                events.push({ type: 'status', status: event.status, at })
                break
            case 'updateLevel':
                events.push({ type: 'level', level: event.level, at })
                break
            case 'addResult':
                events.push({ type: 'result', user_id: event.result.userId, result: event.result.result, at })
                break
        }
    }
    for (const effect of output.effects) {
        if (effect.type === 'roundStarted') {
            events.push({ type: 'round_started', round: effect.round, level: effect.level, participants: effect.participants, at })
        } else if (effect.type === 'roundFinished') {
            events.push({
                type: 'round_finished',
                round: effect.round,
                results: effect.results.map((r) => ({ user_id: r.userId, result: r.result })),
                at,
            })
        }
    }
    // Scoreboard events come in many small kinds; the feed sends the board whole when it changed. Only
    // outputs that touch it are looked at (chat fan-out stays as cheap as it was).
    const touched = output.out.some((item) => !('kind' in item) && /scoreboard/i.test(item.event.type))
    if (!touched) return events
    const scoreboard = scoreboardOf(room)
    const text = JSON.stringify(scoreboard)
    if (text !== memory.scoreboard) {
        memory.scoreboard = text
        events.push({ type: 'scoreboard', sections: scoreboard, at })
    }
    return events
}
