// The checkpointer thread of a SqliteStore (see checkpointer.ts): its own connection to the same file.
// - When other connections committed since its last look, it copies the WAL into the database with a
//   PASSIVE checkpoint: it waits for nobody and blocks nobody.
// - A WAL only starts over from its beginning (instead of growing) when a write begins while every
//   frame in it has been copied, which never happens under a steady stream of commits. So once the WAL
//   has grown past `restartFrames`, the thread asks the event loop to hold its commits for a moment
//   ('hold' → 'held'), copies the few frames left, and lets it go on ('resume'): the next commit then
//   starts the WAL over. The event loop never waits on a lock; its requests wait a few milliseconds.
//   It may decline ('declined': a recent hold ran out its time); the thread then goes on as before.
// - Once nothing was written for `idleMs`, it truncates the WAL file the same way.
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'

export type CheckpointWorkerData = { path: string; intervalMs: number; idleMs: number; restartFrames: number }
/** Event loop → thread. */
export type ToCheckpointWorker = { type: 'held' } | { type: 'declined' } | { type: 'close' }
/** Thread → event loop. */
export type FromCheckpointWorker =
    | { type: 'hold' }
    | { type: 'resume'; restarted: boolean }
    /** A checkpoint failed for another reason than a busy lock (I/O error, full disk...). */
    | { type: 'error'; message: string; code: string | undefined }

const { path, intervalMs, idleMs, restartFrames } = workerData as CheckpointWorkerData
/** SQLite's errors lose their message on the way to the event loop (only plain Errors keep it): rewrap. */
const plain = (error: unknown): Error => {
    const code = (error as { code?: unknown }).code
    const message = error instanceof Error ? error.message : String(error)
    return new Error(typeof code === 'string' ? `${message} (${code})` : message)
}

let db: Database.Database
try {
    db = new Database(path, { fileMustExist: true })
    // Never wait for a lock.
    db.pragma('busy_timeout = 0')
} catch (error) {
    throw plain(error) // the thread ends; the Checkpointer reports it
}

const dataVersion = () => db.pragma('data_version', { simple: true }) as number
let version = dataVersion()
let changedAt = Date.now()
let truncated = false
/** What to do once the event loop holds its commits; undefined: not asking. */
let onHeld: 'PASSIVE' | 'TRUNCATE' | undefined

const post = (message: FromCheckpointWorker) => parentPort!.postMessage(message)

/** Errors worth telling the event loop, each kind at most once a minute (a failing disk fails every time). */
const reported = new Map<string, number>()
const report = (error: unknown): void => {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) return // a lock held a moment: next time
    const message = error instanceof Error ? error.message : String(error)
    const key = `${String(code)} ${message}`
    const now = Date.now()
    if ((reported.get(key) ?? -Infinity) > now - 60_000) return
    if (reported.size > 100) reported.clear()
    reported.set(key, now)
    post({ type: 'error', message, code: typeof code === 'string' ? code : undefined })
}

type Result = { busy: number; log: number; checkpointed: number }
const checkpoint = (mode: 'PASSIVE' | 'TRUNCATE'): Result | undefined => {
    try {
        return (db.pragma(`wal_checkpoint(${mode})`) as Result[])[0]
    } catch (error) {
        report(error)
        return undefined // next time
    }
}

const timer = setInterval(() => {
    if (onHeld) return
    const now = Date.now()
    let current: number
    try {
        current = dataVersion()
    } catch (error) {
        report(error)
        return
    }
    if (current !== version) {
        version = current
        changedAt = now
        truncated = false
        const result = checkpoint('PASSIVE')
        if (result && result.log >= restartFrames) {
            onHeld = 'PASSIVE'
            post({ type: 'hold' })
        }
    } else if (!truncated && now - changedAt >= idleMs) {
        onHeld = 'TRUNCATE'
        post({ type: 'hold' })
    }
}, intervalMs)

parentPort!.on('message', (message: ToCheckpointWorker) => {
    if (message.type === 'held') {
        const mode = onHeld ?? 'PASSIVE'
        onHeld = undefined
        const result = checkpoint(mode)
        const complete = result !== undefined && result.busy === 0 && result.checkpointed === result.log
        if (mode === 'TRUNCATE') truncated = complete
        post({ type: 'resume', restarted: complete })
    } else if (message.type === 'declined') {
        onHeld = undefined // asked again at a later look, if still needed
    } else if (message.type === 'close') {
        clearInterval(timer)
        db.close()
        parentPort!.close()
    }
})
