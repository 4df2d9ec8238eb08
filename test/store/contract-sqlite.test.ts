// The storage contract on the SQLite store (a fresh file per test).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before } from 'node:test'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { storeContract } from './contract.js'

let dir: string
let n = 0
before(async () => void (dir = await mkdtemp(join(tmpdir(), 'ensemble-contract-'))))
after(() => rm(dir, { recursive: true, force: true }))

const open = (path: string, now: () => number) => new SqliteStore({ path, checkpointThread: false, now })

storeContract('SQLite', async (clock) => open(join(dir, `store-${n++}.sqlite`), clock.now), {
    reopen: async (closed, clock) => open((closed as SqliteStore).db.name, clock.now),
})
