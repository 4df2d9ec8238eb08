// One data directory, one process. Two servers on the same SQLite file would each host their own live
// rooms while both list all of them, so the second start is refused. The lock is an OS lock: a SQLite
// connection on `<dir>/ensemble.lock` holds an exclusive transaction for the life of the process, and the
// kernel drops it when the process dies, however it dies (kill -9 included). No pid is trusted, so a
// stale file or a reused pid never blocks a restart. Who holds the lock is written beside it
// (`ensemble.lock.json`) only to name them in the refusal.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export type LockHolder = { pid: number; host: string; startedAt: string; address?: string }

/** The directory is held by another process; the message is one line naming it. */
export class DataDirLockedError extends Error {
    constructor(
        readonly dir: string,
        readonly holder: LockHolder | undefined,
    ) {
        const who = holder
            ? `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}${holder.address ? `, serving ${holder.address}` : ''}`
            : 'a process that has not said who it is yet'
        super(
            `the data directory ${dir} is in use by another Ensemble (${who}); one data directory serves one process (several processes need PostgreSQL and Redis)`,
        )
        this.name = 'DataDirLockedError'
    }
}

export type DataDirLock = {
    readonly dir: string
    /** Gives the directory up (shutdown). Safe to call twice. */
    release(): void
}

const lockFile = 'ensemble.lock'
const holderFile = 'ensemble.lock.json'

const isBusy = (e: unknown) => typeof (e as { code?: unknown }).code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test((e as { code: string }).code)

function readHolder(dir: string): LockHolder | undefined {
    try {
        const holder = JSON.parse(readFileSync(join(dir, holderFile), 'utf8')) as LockHolder
        return typeof holder.pid === 'number' ? holder : undefined
    } catch {
        return undefined
    }
}

/**
 * Takes the directory (created if missing) or throws DataDirLockedError at once (no waiting). The lock
 * lasts until release() or the end of the process; keep the returned object referenced.
 */
export function lockDataDir(dir: string, info: { address?: string } = {}): DataDirLock {
    mkdirSync(dir, { recursive: true })
    const db = new Database(join(dir, lockFile), { timeout: 0 })
    try {
        // A rollback journal (not WAL: WAL's shared memory lets readers in) and an exclusive transaction
        // that is never committed: every other connection to the file gets SQLITE_BUSY.
        db.pragma('journal_mode = DELETE')
        db.pragma('locking_mode = EXCLUSIVE')
        db.exec('BEGIN EXCLUSIVE')
    } catch (e) {
        db.close()
        if (isBusy(e)) throw new DataDirLockedError(dir, readHolder(dir))
        throw e
    }
    const holder: LockHolder = {
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        ...(info.address ? { address: info.address } : {}),
    }
    // Written whole or not at all: a refused start never reads half a file.
    const temp = join(dir, `${holderFile}.${process.pid}.tmp`)
    writeFileSync(temp, JSON.stringify(holder) + '\n')
    renameSync(temp, join(dir, holderFile))
    let released = false
    return {
        dir,
        release() {
            if (released) return
            released = true
            // The note goes first, while the lock still keeps the next holder from writing theirs.
            if (readHolder(dir)?.pid === process.pid) rmSync(join(dir, holderFile), { force: true })
            db.close()
        },
    }
}
