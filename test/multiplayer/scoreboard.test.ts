import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EngineOutput } from '../../src/multiplayer/index.js'
import { level, sampleResult } from '../helpers/gameplay.js'
import { events, Harness, type HarnessOptions } from './harness.js'

function setup(players: string[], options: HarnessOptions = {}): Harness {
    const h = new Harness(options)
    for (const id of players) h.join(id)
    return h
}

/** Plays one round where each listed player scores the given arcade score, in the given order. */
function round(h: Harness, scores: [string, number][]): EngineOutput[] {
    const lead = h.room.view.lead!
    h.command(lead, { type: 'updateLevel', level: level('song') })
    h.command(lead, { type: 'updateStatus', status: 'preparing' })
    for (const [id] of scores) h.command(id, { type: 'updateUserStatus', status: 'ready' })
    h.command(h.room.view.master!, { type: 'updateStatus', status: 'playing' })
    for (const [id] of scores) h.startGameplay(id)
    const outputs = scores.map(([id, score]) => h.finishGameplay(id, sampleResult(score, score / 10))!)
    h.assertConverged()
    return outputs
}

const board = (h: Harness) => h.room.view.scoreboardSections.map((s) => [s.title, s.scores.map((e) => `${e.userId}:${e.value}`)])

describe('scoreboard: arcade totals', () => {
    it('ranks by running total with incremental events only', () => {
        const h = setup(['u1', 'u2', 'u3'])
        const first = round(h, [
            ['u1', 500],
            ['u2', 700],
            ['u3', 700],
        ])
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u2:700', 'u3:700', 'u1:500']]])
        assert.deepEqual(events(first[1]!, 'insertScoreboardSectionScore'), [
            { type: 'insertScoreboardSectionScore', sectionIndex: 0, index: 0, score: { userId: 'u2', value: '700' } },
        ])
        const second = round(h, [
            ['u1', 1000],
            ['u3', 0],
        ])
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u1:1,500', 'u2:700', 'u3:700']]])
        const types = events(second[0]!).map((e) => e.type)
        assert.deepEqual(
            types.filter((t) => t.includes('coreboard')),
            ['mergeScoreboardSectionScores', 'moveScoreboardSectionScore'],
        )
        for (const out of [...first, ...second]) assert.equal(events(out, 'updateScoreboardSections').length, 0)
        // u3 scored 0: the value did not change, nothing is sent for the scoreboard.
        assert.deepEqual(
            events(second[1]!).filter((e) => e.type.includes('coreboard')),
            [],
        )
    })
    it('ties keep the longest-present player first', () => {
        const h = setup(['u1', 'u2'])
        round(h, [
            ['u2', 10],
            ['u1', 10],
        ])
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u1:10', 'u2:10']]])
    })
    it('players who leave are taken off the scoreboard with RemoveUserEvent alone', () => {
        const h = setup(['u1', 'u2', 'u3'])
        round(h, [
            ['u1', 1],
            ['u2', 2],
            ['u3', 3],
        ])
        const out = h.leave('u2')
        assert.equal(events(out).filter((e) => e.type.includes('coreboard')).length, 0)
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u3:3', 'u1:1']]])
        h.join('u2')
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u3:3', 'u1:1']]], 'a returning player starts again')
        h.assertConverged()
    })
})

describe('scoreboard: rules', () => {
    it('accuracy sums accuracy scores', () => {
        const h = setup(['u1', 'u2'], { optionValues: 'scoring=accuracy' })
        round(h, [
            ['u1', 1000],
            ['u2', 2000],
        ])
        assert.deepEqual(board(h), [['#ACCURACY_SCORE', ['u2:200', 'u1:100']]])
    })
    it('wins counts round wins at the end of each round', () => {
        const h = setup(['u1', 'u2', 'u3'], { optionValues: 'scoring=wins' })
        const outputs = round(h, [
            ['u1', 10],
            ['u2', 30],
            ['u3', 30],
        ])
        assert.deepEqual(board(h), [['#WINNER', ['u2:1', 'u3:1', 'u1:0']]])
        assert.ok(events(outputs[2]!).some((e) => e.type === 'mergeScoreboardSectionScores'))
        round(h, [
            ['u1', 50],
            ['u3', 40],
        ])
        assert.deepEqual(board(h), [['#WINNER', ['u1:1', 'u2:1', 'u3:1']]])
    })
    it('changing the rule re-renders the same totals in one event', () => {
        const h = setup(['u1', 'u2'])
        round(h, [
            ['u1', 1000],
            ['u2', 500],
        ])
        const out = h.command('u1', { type: 'updateOptionValues', optionValues: 'scoring=wins' })
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['updateOptionValues', 'updateScoreboardSections'],
        )
        assert.deepEqual(board(h), [['#WINNER', ['u1:1', 'u2:0']]])
        h.assertConverged()
    })
})

describe('scoreboard: teams', () => {
    it('one section per team, teams dealt to the smallest team, sections ordered by team total', () => {
        const h = setup(['u1', 'u2', 'u3', 'u4'], { optionValues: 'teams=2' })
        assert.deepEqual(
            [...h.room.members.values()].map((m) => m.team),
            [0, 1, 0, 1],
        )
        assert.deepEqual(board(h), [
            ['#TEAM_RED', []],
            ['#TEAM_BLUE', []],
        ])
        const outputs = round(h, [
            ['u1', 100],
            ['u2', 300],
            ['u3', 100],
            ['u4', 0],
        ])
        assert.deepEqual(board(h), [
            ['#TEAM_BLUE', ['u2:300', 'u4:0']],
            ['#TEAM_RED', ['u1:100', 'u3:100']],
        ])
        assert.deepEqual(events(outputs[1]!, 'moveScoreboardSection'), [{ type: 'moveScoreboardSection', fromIndex: 1, toIndex: 0 }])
        // Red overtakes again.
        round(h, [['u3', 500]])
        assert.deepEqual(
            board(h).map((s) => s[0]),
            ['#TEAM_RED', '#TEAM_BLUE'],
        )
        h.assertConverged()
    })
    it('changing the team count deals teams again by join order and rebuilds', () => {
        const h = setup(['u1', 'u2', 'u3'])
        round(h, [
            ['u1', 1],
            ['u2', 2],
            ['u3', 3],
        ])
        const out = h.command('u1', { type: 'updateOptionValues', optionValues: 'teams=3' })
        assert.deepEqual(
            events(out).map((e) => e.type),
            ['updateOptionValues', 'updateScoreboardSections'],
        )
        assert.deepEqual(board(h), [
            ['#TEAM_GREEN', ['u3:3']],
            ['#TEAM_BLUE', ['u2:2']],
            ['#TEAM_RED', ['u1:1']],
        ])
        const leave = h.leave('u3')
        assert.deepEqual(events(leave, 'moveScoreboardSection').length > 0, true)
        assert.deepEqual(
            board(h).map((s) => s[0]),
            ['#TEAM_BLUE', '#TEAM_RED', '#TEAM_GREEN'],
        )
        h.command('u1', { type: 'updateOptionValues', optionValues: 'teams=none' })
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u2:2', 'u1:1']]])
        h.assertConverged()
    })
})

describe('scoreboard: numbers', () => {
    it('groups thousands and rounds', () => {
        const h = setup(['u1'])
        round(h, [['u1', 1234567.6]])
        assert.deepEqual(board(h), [['#ARCADE_SCORE', ['u1:1,234,568']]])
    })
})
