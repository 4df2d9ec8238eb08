// Event reducers for the selected level, its options and auto exit (only while selecting).
import { checkLevelOption, checkLevelOptions, checkSil, type Reducers } from './checks.js'
import { autoExits } from '../validate.js'

export const levelReducers: Reducers<'updateLevel' | 'updateLevelOption' | 'updateLevelOptions' | 'updateAutoExit'> = {
    updateLevel(view, event, _ctx, fail) {
        if (view.status !== 'selecting') fail('room status is not selecting')
        if (event.level !== null) checkSil(event.level, fail)
        view.level = event.level
        view.levelOptions = []
    },

    updateLevelOption(view, event, _ctx, fail) {
        if (view.status !== 'selecting') fail('room status is not selecting')
        checkLevelOption(event.levelOption, fail)
        const at = view.levelOptions.findIndex((o) => o.index === event.levelOption.index)
        if (at >= 0) view.levelOptions[at] = event.levelOption
        else view.levelOptions.push(event.levelOption)
    },

    updateLevelOptions(view, event, _ctx, fail) {
        if (view.status !== 'selecting') fail('room status is not selecting')
        checkLevelOptions(event.levelOptions, fail)
        view.levelOptions = [...event.levelOptions]
    },

    updateAutoExit(view, event, _ctx, fail) {
        if (view.status !== 'selecting') fail('room status is not selecting')
        if (!autoExits.includes(event.autoExit)) fail('unknown auto exit')
        view.autoExit = event.autoExit
    },
}
