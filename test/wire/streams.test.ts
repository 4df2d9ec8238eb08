// Seeded random and hostile command streams over the wire against one server (stream-runner.ts): the real
// server in a child process, six players written from the spec texts, and the REST API and a moderator
// acting from outside the game. test/cluster/wire-streams.test.ts runs the same streams on nodes sharing
// PostgreSQL and Redis. Nothing here comes from src/ or client/.
// ENSEMBLE_WIRE_SEED=<n> replays a run; ENSEMBLE_WIRE_STREAMS sets how many streams (default 6).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { startServerProcess, type ServerProcess } from './server-process.js'
import { makeKeys, SonolusHttp } from './sonolus-http.js'
import { runStreams, type StreamWorld } from './stream-runner.js'

const seed = Number(process.env.ENSEMBLE_WIRE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const streams = Number(process.env.ENSEMBLE_WIRE_STREAMS ?? 6)

const keys = makeKeys()
const adminToken = 'wire-streams-admin-token-0123456789'
let server: ServerProcess
let world: StreamWorld

before(async () => {
    server = await startServerProcess(keys.publicJwk, { ENSEMBLE_ADMIN_TOKEN: adminToken })
    world = { keys, address: server.address, http: [new SonolusHttp(server.address, keys)], urls: [server.address], adminToken }
})
after(async () => {
    if (server) assert.equal(await server.stop(), 0, `server did not exit cleanly:\n${server.output()}`)
})

test(
    'seeded random and hostile streams: every player written from the spec accepts every frame, and all end on the room a newcomer is given',
    { timeout: 600_000 },
    async () => {
        console.log(`wire streams: seed ${seed} (replay: ENSEMBLE_WIRE_SEED=${seed}), ${streams} streams`)
        await runStreams(world, seed, streams, (line) => console.log(`wire streams: ${line}`))
    },
)
