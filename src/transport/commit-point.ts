// Work that must wait until the writes of the current turn have committed (frames to players, the REST
// event feed): queued during a turn and run once at its end from the store's commit point
// (Store.afterCommit), in the order it was queued. One setImmediate and one commit-point call per turn,
// however many parts queue work.
export type AtCommitPoint = (task: () => void) => void

/** `afterCommit` absent: the tasks run at the turn's end. */
export function commitPointQueue(afterCommit?: (then: () => void) => void): AtCommitPoint {
    let tasks: (() => void)[] = []
    const run = () => {
        const list = tasks
        tasks = []
        // A failing task does not keep the others from running; its error still surfaces.
        let failure: { error: unknown } | undefined
        for (const task of list) {
            try {
                task()
            } catch (error) {
                failure ??= { error }
            }
        }
        if (failure) throw failure.error
    }
    const atTurnEnd = () => (afterCommit ? afterCommit(run) : run())
    return (task) => {
        if (tasks.push(task) === 1) setImmediate(atTurnEnd)
    }
}
