// A cluster node in its own process, for the tests that kill one (-9) or freeze one (SIGSTOP).
// Config in CHILD_CONFIG (JSON); prints "ready" once started and its rooms are published. The test
// runner also loads this file as a test (everything under test/): without a config it does nothing.
import { redisCluster } from '../../src/cluster/redis.js'
import { room } from './helpers.js'

type Config = { url: string; prefix: string; nodeId: string; rooms: string[]; heartbeatMs: number; nodeTtlMs: number }

const config = process.env.CHILD_CONFIG ? (JSON.parse(process.env.CHILD_CONFIG) as Config) : undefined
if (config) await run(config)

async function run(config: Config): Promise<void> {
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined }
    const cluster = redisCluster({ ...config, nodeUrl: `http://${config.nodeId}.test`, log: quiet })
    await cluster.start()
    cluster.delivery.setHandler(async (request) => ({ node: config.nodeId, request }))
    for (const name of config.rooms) cluster.rooms.publish(name, room(config.nodeId))
    // The directory write is coalesced: wait until it reached Redis before saying ready.
    await new Promise((resolve) => setTimeout(resolve, 100))
    process.stdout.write('ready\n')
    setInterval(() => undefined, 60_000)
}
