// /readyz answers 200 while the store answers, 503 with a reason once it does not; /healthz stays 200 (the process is up) whatever the store does.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js'
import { startTestServer } from '../helpers/server.js'

test('/readyz: 200 while the store answers, 503 with a reason when it cannot', async () => {
    let store: SqliteStore | undefined
    const server = await startTestServer({
        store: (config) => (store = new SqliteStore({ path: (config.database as { path: string }).path, checkpointThread: false })),
    })
    try {
        const ready = await server.request('GET', '/readyz')
        assert.equal(ready.status, 200)
        assert.deepEqual(ready.body, { status: 'ready' })
        // The database connection goes away under the running server.
        store!.db.close()
        const down = await server.request('GET', '/readyz')
        assert.equal(down.status, 503)
        assert.equal(down.body.status, 'unavailable')
        assert.match(down.body.reason, /^storage unreachable: /)
        assert.equal((await server.request('GET', '/healthz')).status, 200)
    } finally {
        await server.close()
    }
})
