// Checks of the engine's own state, beyond what a client checks: private bookkeeping agrees with the
// view, and the strict readings of the rules hold (a round exists exactly while playing, a non-empty
// room has a master and a lead, the scoreboard shows exactly the players with stats).
import assert from 'node:assert/strict'
import { isCompatible, userIdOf, type EngineRoom } from '../../src/multiplayer/index.js'

export function assertInternal(room: EngineRoom): void {
    const view = room.view
    const ids = view.users.map(userIdOf)
    assert.deepEqual(new Set(ids), new Set(room.members.keys()), 'members and users differ')
    assert.equal(new Set(ids).size, ids.length, 'duplicate users')
    const statusIds = view.userStatuses.map((s) => s.userId as string)
    assert.deepEqual(statusIds.slice().sort(), ids.slice().sort(), 'every user has exactly one status')
    for (const s of view.userStatuses) assert.ok(isCompatible(view.status, s.status), `status ${s.status} in ${view.status}`)
    assert.equal(room.round !== null, view.status === 'playing', 'a round exists exactly while playing')
    if (view.status !== 'selecting') assert.notEqual(view.level, null)
    if (view.master !== null) assert.ok(room.members.has(view.master), 'master is a member')
    if (view.lead !== null) assert.ok(room.members.has(view.lead), 'lead is a member')
    if (room.members.size > 0) {
        assert.notEqual(view.master, null, 'a non-empty room has a master')
        assert.notEqual(view.lead, null, 'a non-empty room has a lead')
    }
    const scored = view.scoreboardSections.flatMap((s) => s.scores.map((e) => e.userId as string))
    assert.deepEqual(scored.slice().sort(), [...room.stats.keys()].sort(), 'scoreboard shows exactly the players with stats')
    for (const r of view.results) assert.ok(room.members.has(r.userId), 'results name members only')
    if (room.settings.teams > 0) {
        assert.equal(view.scoreboardSections.length, room.settings.teams)
        assert.deepEqual(room.sectionTeams.slice().sort(), [...Array(room.settings.teams).keys()])
    } else {
        assert.equal(view.scoreboardSections.length, 1)
    }
}
