// The server-computed scoreboard
// (https://wiki.sonolus.com/round-multiplayer-server-specs/state/scoreboard-sections and the
// "Optimizations" part of https://wiki.sonolus.com/round-multiplayer-server-specs/state/overview).
//
// Layout: without teams, one section; with teams, one section per team (titles '#TEAM_RED', ...),
// ordered by team total (ties: team order). A player appears once they have a result since the last
// reset, in their team's section, ordered by their total (ties: longest present first). A player is in
// exactly one section, so the scoreboard never names a user twice (the strict reading of the state
// rule); the current round's ranking is the room's `results`.
// Value: the running total under the room's scoring rule (sum of arcade scores, sum of accuracy
// scores, or rounds won), as a whole number with thousands separators.
//
// Updates are incremental: a player's change is one insert, or one merge (value) plus at most one
// move (position), plus at most one section move (team order). A full UpdateScoreboardSectionsEvent is
// only sent on reset and when the scoring rule or teams change.
import type { ScoreboardSection, ScoreEntry, ServiceUserId } from '@sonolus/core'
import type { Emitter } from './output.js'
import type { EngineRoom, PlayerStats } from './state.js'

export const teamTitles = ['#TEAM_RED', '#TEAM_BLUE', '#TEAM_GREEN', '#TEAM_YELLOW', '#TEAM_PURPLE', '#TEAM_CYAN', '#TEAM_WHITE', '#TEAM_BLACK']

const ruleTitles = { arcade: '#ARCADE_SCORE', accuracy: '#ACCURACY_SCORE', wins: '#WINNER' } as const

export function metric(room: EngineRoom, stats: PlayerStats): number {
    switch (room.settings.scoring) {
        case 'arcade':
            return stats.arcade
        case 'accuracy':
            return stats.accuracy
        case 'wins':
            return stats.wins
    }
}

export function formatNumber(value: number): string {
    const n = Math.round(value)
    const digits = String(Math.abs(n))
    let grouped = ''
    for (let i = 0; i < digits.length; i++) {
        if (i > 0 && (digits.length - i) % 3 === 0) grouped += ','
        grouped += digits[i]
    }
    return n < 0 ? `-${grouped}` : grouped
}

function valueOf(room: EngineRoom, userId: string): string {
    return formatNumber(metric(room, room.stats.get(userId)!))
}

/** Negative when `a` ranks above `b`. */
function compareUsers(room: EngineRoom, a: string, b: string): number {
    const ma = metric(room, room.stats.get(a)!)
    const mb = metric(room, room.stats.get(b)!)
    if (ma !== mb) return mb - ma
    return room.members.get(a)!.joinSeq - room.members.get(b)!.joinSeq
}

function teamTotal(room: EngineRoom, team: number): number {
    let total = 0
    for (const [userId, stats] of room.stats) if (room.members.get(userId)?.team === team) total += metric(room, stats)
    return total
}

function teamOrder(room: EngineRoom): number[] {
    const totals = Array.from({ length: room.settings.teams }, (_, team) => teamTotal(room, team))
    return totals.map((_, team) => team).sort((a, b) => totals[b]! - totals[a]! || a - b)
}

function sectionIndexOf(room: EngineRoom, userId: string): number {
    if (room.settings.teams === 0) return 0
    return room.sectionTeams.indexOf(room.members.get(userId)!.team)
}

/** The whole scoreboard computed from the stats (creation, reset, rule or team change). */
export function initialSections(room: EngineRoom): { sections: ScoreboardSection[]; sectionTeams: number[] } {
    const ranked = [...room.stats.keys()].filter((id) => room.members.has(id)).sort((a, b) => compareUsers(room, a, b))
    const entry = (userId: string): ScoreEntry => ({ userId: userId as ServiceUserId, value: valueOf(room, userId) })
    if (room.settings.teams === 0) {
        return { sections: [{ title: ruleTitles[room.settings.scoring], scores: ranked.map(entry) }], sectionTeams: [] }
    }
    const order = teamOrder(room)
    return {
        sections: order.map((team) => ({
            title: teamTitles[team] ?? `${team + 1}`,
            scores: ranked.filter((id) => room.members.get(id)!.team === team).map(entry),
        })),
        sectionTeams: order,
    }
}

/** Replaces the whole scoreboard (one UpdateScoreboardSectionsEvent). */
export function rebuildScoreboard(em: Emitter): void {
    const { sections, sectionTeams } = initialSections(em.room)
    em.room.sectionTeams = sectionTeams
    em.emit({ type: 'updateScoreboardSections', scoreboardSections: sections })
}

/** Brings one player's entry in line with their stats: insert, or merge + move. */
export function refreshPlayer(em: Emitter, userId: string): void {
    const room = em.room
    if (!room.stats.has(userId) || !room.members.has(userId)) return
    const sectionIndex = sectionIndexOf(room, userId)
    const scores = room.view.scoreboardSections[sectionIndex]!.scores
    const value = valueOf(room, userId)
    const from = scores.findIndex((s) => s.userId === userId)
    // The position among the others: the first one this player ranks above.
    let to = 0
    for (let i = 0; i < scores.length; i++) {
        if (i === from) continue
        if (compareUsers(room, scores[i]!.userId, userId) < 0) to++
    }
    if (from < 0) {
        em.emit({ type: 'insertScoreboardSectionScore', sectionIndex, index: to, score: { userId: userId as ServiceUserId, value } })
    } else {
        if (scores[from]!.value !== value) {
            em.emit({ type: 'mergeScoreboardSectionScores', index: sectionIndex, scores: [{ userId: userId as ServiceUserId, value }] })
        }
        if (to !== from) em.emit({ type: 'moveScoreboardSectionScore', sectionIndex, fromIndex: from, toIndex: to })
    }
    reorderTeams(em)
}

/** Restores the team order with section moves (at most one or two when one team's total changed). */
export function reorderTeams(em: Emitter): void {
    const room = em.room
    if (room.settings.teams === 0) return
    const order = teamOrder(room)
    const current = room.sectionTeams.slice()
    for (let i = 0; i < order.length; i++) {
        if (current[i] === order[i]) continue
        const from = current.indexOf(order[i]!)
        em.emit({ type: 'moveScoreboardSection', fromIndex: from, toIndex: i })
        const [team] = current.splice(from, 1)
        current.splice(i, 0, team!)
    }
    room.sectionTeams = current
}

/** Adds a result to a player's running totals and shows it. */
export function addResultStats(em: Emitter, userId: string, arcade: number, accuracy: number): void {
    const stats = em.room.stats.get(userId) ?? { arcade: 0, accuracy: 0, wins: 0 }
    stats.arcade += arcade
    stats.accuracy += accuracy
    em.room.stats.set(userId, stats)
    refreshPlayer(em, userId)
}

export function addWin(em: Emitter, userId: string): void {
    const stats = em.room.stats.get(userId)
    if (!stats) return
    stats.wins += 1
    refreshPlayer(em, userId)
}

/** Team for a new member: the team with the fewest members (ties: first team). */
export function assignTeam(room: EngineRoom): number {
    if (room.settings.teams === 0) return 0
    const counts = new Array<number>(room.settings.teams).fill(0)
    for (const member of room.members.values()) if (member.team < counts.length) counts[member.team]!++
    let best = 0
    for (let t = 1; t < counts.length; t++) if (counts[t]! < counts[best]!) best = t
    return best
}

/** Deals teams again by join order (after the team count changed). */
export function reassignTeams(room: EngineRoom): void {
    const members = [...room.members.values()].sort((a, b) => a.joinSeq - b.joinSeq)
    members.forEach((member, i) => {
        member.team = room.settings.teams === 0 ? 0 : i % room.settings.teams
    })
}
