// Event reducers for the scoreboard: its description, sections and the scores within them.
import { checkScore, checkSections, copySection, findUser, isIndex, type Reducers, sectionAt, userIds } from './checks.js'

export const scoreboardReducers: Reducers<
    | 'updateScoreboardDescription'
    | 'updateScoreboardSections'
    | 'insertScoreboardSection'
    | 'updateScoreboardSection'
    | 'removeScoreboardSection'
    | 'moveScoreboardSection'
    | 'swapScoreboardSections'
    | 'updateScoreboardSectionTitle'
    | 'updateScoreboardSectionIcon'
    | 'updateScoreboardSectionScores'
    | 'updateScoreboardSectionScoresValue'
    | 'mergeScoreboardSectionScores'
    | 'insertScoreboardSectionScore'
    | 'removeScoreboardSectionScore'
    | 'moveScoreboardSectionScore'
    | 'swapScoreboardSectionScores'
    | 'arrangeScoreboardSectionScores'
> = {
    updateScoreboardDescription(view, event, _ctx, fail) {
        if (event.scoreboardDescription !== undefined && typeof event.scoreboardDescription !== 'string') {
            fail('scoreboardDescription is not a string')
        }
        if (event.scoreboardDescription === undefined) delete view.scoreboardDescription
        else view.scoreboardDescription = event.scoreboardDescription
    },

    updateScoreboardSections(view, event, _ctx, fail) {
        checkSections(event.scoreboardSections, userIds(view), fail)
        view.scoreboardSections = event.scoreboardSections.map(copySection)
    },

    insertScoreboardSection(view, event, _ctx, fail) {
        const sections = view.scoreboardSections
        if (!isIndex(event.index, sections.length + 1)) fail('index is out of bound')
        checkSections([...sections, event.scoreboardSection], userIds(view), fail)
        sections.splice(event.index, 0, copySection(event.scoreboardSection))
    },

    updateScoreboardSection(view, event, _ctx, fail) {
        const sections = view.scoreboardSections
        if (!isIndex(event.index, sections.length)) fail('section does not exist')
        const candidate = sections.slice()
        candidate[event.index] = event.scoreboardSection
        checkSections(candidate, userIds(view), fail)
        sections[event.index] = copySection(event.scoreboardSection)
    },

    removeScoreboardSection(view, event, _ctx, fail) {
        if (!isIndex(event.index, view.scoreboardSections.length)) fail('section does not exist')
        view.scoreboardSections.splice(event.index, 1)
    },

    moveScoreboardSection(view, event, _ctx, fail) {
        const sections = view.scoreboardSections
        if (!isIndex(event.fromIndex, sections.length)) fail('section does not exist')
        if (!isIndex(event.toIndex, sections.length)) fail('toIndex is out of bound')
        const [moved] = sections.splice(event.fromIndex, 1)
        sections.splice(event.toIndex, 0, moved!)
    },

    swapScoreboardSections(view, event, _ctx, fail) {
        const sections = view.scoreboardSections
        if (!isIndex(event.indexA, sections.length)) fail('section A does not exist')
        if (!isIndex(event.indexB, sections.length)) fail('section B does not exist')
        const a = sections[event.indexA]!
        sections[event.indexA] = sections[event.indexB]!
        sections[event.indexB] = a
    },

    updateScoreboardSectionTitle(view, event, _ctx, fail) {
        const section = sectionAt(view, event.index, fail)
        if (typeof event.title !== 'string') fail('title is not a string')
        section.title = event.title
    },

    updateScoreboardSectionIcon(view, event, _ctx, fail) {
        const section = sectionAt(view, event.index, fail)
        if (event.icon !== undefined && typeof event.icon !== 'string') fail('icon is not a string')
        if (event.icon === undefined) delete section.icon
        else section.icon = event.icon
    },

    updateScoreboardSectionScores(view, event, _ctx, fail) {
        sectionAt(view, event.index, fail)
        const candidate = view.scoreboardSections.slice()
        candidate[event.index] = { ...candidate[event.index]!, scores: event.scores }
        checkSections(candidate, userIds(view), fail)
        view.scoreboardSections[event.index]!.scores = [...event.scores]
    },

    updateScoreboardSectionScoresValue(view, event, _ctx, fail) {
        const section = sectionAt(view, event.index, fail)
        if (!Array.isArray(event.values)) fail('values is not an array')
        if (event.values.length > section.scores.length) fail('values is longer than scores of section')
        for (const value of event.values) if (typeof value !== 'string') fail('value is not a string')
        event.values.forEach((value, i) => {
            section.scores[i] = { userId: section.scores[i]!.userId, value }
        })
    },

    mergeScoreboardSectionScores(view, event, _ctx, fail) {
        const section = sectionAt(view, event.index, fail)
        if (!Array.isArray(event.scores)) fail('scores is not an array')
        const positions: number[] = []
        for (const score of event.scores) {
            checkScore(score, fail)
            const at = section.scores.findIndex((s) => s.userId === score.userId)
            if (at < 0) fail('a score has no corresponding score of the same user')
            positions.push(at)
        }
        event.scores.forEach((score, i) => {
            section.scores[positions[i]!] = score
        })
    },

    insertScoreboardSectionScore(view, event, _ctx, fail) {
        const section = sectionAt(view, event.sectionIndex, fail)
        if (!isIndex(event.index, section.scores.length + 1)) fail('index is out of bound')
        checkScore(event.score, fail)
        if (findUser(view, event.score.userId) < 0) fail('user of score does not exist')
        for (const s of view.scoreboardSections) {
            if (s.scores.some((e) => e.userId === event.score.userId)) fail('a score with user of score already exists')
        }
        section.scores.splice(event.index, 0, event.score)
    },

    removeScoreboardSectionScore(view, event, _ctx, fail) {
        const section = sectionAt(view, event.sectionIndex, fail)
        if (!isIndex(event.index, section.scores.length)) fail('score does not exist')
        section.scores.splice(event.index, 1)
    },

    moveScoreboardSectionScore(view, event, _ctx, fail) {
        const section = sectionAt(view, event.sectionIndex, fail)
        if (!isIndex(event.fromIndex, section.scores.length)) fail('score does not exist')
        if (!isIndex(event.toIndex, section.scores.length)) fail('toIndex is out of bound')
        const [moved] = section.scores.splice(event.fromIndex, 1)
        section.scores.splice(event.toIndex, 0, moved!)
    },

    swapScoreboardSectionScores(view, event, _ctx, fail) {
        const section = sectionAt(view, event.sectionIndex, fail)
        if (!isIndex(event.indexA, section.scores.length)) fail('score A does not exist')
        if (!isIndex(event.indexB, section.scores.length)) fail('score B does not exist')
        const a = section.scores[event.indexA]!
        section.scores[event.indexA] = section.scores[event.indexB]!
        section.scores[event.indexB] = a
    },

    arrangeScoreboardSectionScores(view, event, _ctx, fail) {
        const section = sectionAt(view, event.sectionIndex, fail)
        if (!Array.isArray(event.indexes)) fail('indexes is not an array')
        const seen = new Set<number>()
        for (const index of event.indexes) {
            if (seen.has(index)) fail('indexes contains duplications')
            seen.add(index)
            if (!isIndex(index, section.scores.length)) fail('score does not exist')
        }
        const old = section.scores
        section.scores = event.indexes.map((i) => old[i]!)
    },
}
