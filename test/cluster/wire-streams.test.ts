// The seeded random and hostile streams of test/wire/streams.test.ts (test/wire/stream-runner.ts) on two
// nodes sharing PostgreSQL and Redis: every sign-in, join, REST call and moderator action goes to a node
// drawn at random, so the room's events come from its own node and from the other one (chat posted, kicks,
// bans, deleted lines relayed through Redis). The players are the spec-only clients of test/wire; the
// same judgement holds: no event a player's model rejects, no server error, and at the end every player
// holds the room a newcomer is given.
// ENSEMBLE_WIRE_SEED=<n> replays a run; ENSEMBLE_WIRE_STREAMS sets how many streams (default 4 here).
// Always runs (whatever ENSEMBLE_TEST_STORE says): without redis-server or PostgreSQL it fails, saying why.
import { after, before, test } from 'node:test'
import { startCluster, type TestCluster } from '../helpers/cluster-nodes.js'
import { runStreams, type StreamWorld } from '../wire/stream-runner.js'

const seed = Number(process.env.ENSEMBLE_WIRE_SEED ?? Math.floor(Math.random() * 2 ** 31))
const streams = Number(process.env.ENSEMBLE_WIRE_STREAMS ?? 4)

let cluster: TestCluster
let world: StreamWorld
before(async () => {
    cluster = await startCluster({ nodes: 2 })
    world = {
        keys: cluster.keys,
        address: cluster.address,
        http: cluster.nodes.map((node) => cluster.http(node)),
        urls: cluster.nodes.map((node) => node.url),
        adminToken: cluster.adminToken,
    }
})
after(async () => {
    await cluster?.close()
})

test(
    'seeded random and hostile streams through two nodes: every player accepts every frame, and all end on the room a newcomer is given',
    { timeout: 900_000 },
    async () => {
        console.log(`cluster wire streams: seed ${seed} (replay: ENSEMBLE_WIRE_SEED=${seed}), ${streams} streams`)
        await runStreams(world, seed, streams, (line) => console.log(`cluster wire streams: ${line}`))
    },
)
