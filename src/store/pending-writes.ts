// Read-your-writes under group commit. A write queued for a batch names the rows it touches (a kind and
// an id: ['user', id], ['session', tokenHash], ...); a read of such a row must first wait for, or force,
// the batch holding that write, while reads of other rows leave the batch alone. The batching layers
// (SQLite's and PostgreSQL's group commit) keep this table and clear a job's keys once the job settled,
// committed or failed alike: a failed write is then read as the database has it (it did not land), and
// no key stays pending forever. Stores only say which rows a write touches and which a read looks at.

/** The kinds of rows written through a group commit. */
export type PendingKind = 'user' | 'session' | 'join' | 'chat' | 'results' | 'report'

/** One row a queued write touches. */
export type Touch = readonly [kind: PendingKind, id: string]

/** The newest queued or committing job per touched row; `J` is the batching layer's job. */
export class PendingWrites<J> {
    private readonly byKind = new Map<PendingKind, Map<string, J>>()

    /** `job` is now the newest writer of each row in `touches`. */
    add(touches: readonly Touch[], job: J): void {
        for (const [kind, id] of touches) {
            let ids = this.byKind.get(kind)
            if (!ids) this.byKind.set(kind, (ids = new Map()))
            ids.set(id, job)
        }
    }

    /** Forgets the rows of a settled job, except those a newer job (still pending) writes too. */
    release(touches: readonly Touch[], job: J): void {
        for (const [kind, id] of touches) {
            const ids = this.byKind.get(kind)
            if (ids?.get(id) === job) ids.delete(id)
        }
    }

    /** The newest pending job writing this row. */
    get(kind: PendingKind, id: string): J | undefined {
        return this.byKind.get(kind)?.get(id)
    }

    has(kind: PendingKind, id: string): boolean {
        return this.byKind.get(kind)?.has(id) ?? false
    }

    /** Whether any row of one kind has a pending write. */
    hasKind(kind: PendingKind): boolean {
        return (this.byKind.get(kind)?.size ?? 0) > 0
    }

    /** Ids of the rows of one kind with a pending write. */
    ids(kind: PendingKind): string[] {
        return [...(this.byKind.get(kind)?.keys() ?? [])]
    }

    /** The newest pending jobs writing rows of one kind. */
    jobs(kind: PendingKind): J[] {
        return [...new Set(this.byKind.get(kind)?.values())]
    }
}
