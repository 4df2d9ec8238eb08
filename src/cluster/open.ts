// Opens the cluster this configuration asks for: Redis when ENSEMBLE_REDIS_URL is set, else one node.
// Each process start is a new node id: a node that restarts is a new node, and the rooms of the old one
// are closed by the dead-node sweep like those of any node that died.
import { randomBytes } from 'node:crypto'
import type { Config } from '../config.js'
import { ownUrl } from '../urls.js'
import type { Cluster } from './cluster.js'
import { localCluster } from './local.js'
import { redisCluster } from './redis.js'

type Log = { info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void }

export const newNodeId = (): string => `n-${randomBytes(5).toString('hex')}`

/** Starts the cluster; an unreachable Redis is an error whose message names ENSEMBLE_REDIS_URL (a one-line exit). */
export async function openCluster(config: Pick<Config, 'redisUrl' | 'nodeUrl' | 'address'>, log: Log, nodeId = newNodeId()): Promise<Cluster> {
    const nodeUrl = ownUrl(config)
    if (config.redisUrl === null) return localCluster({ nodeId, nodeUrl })
    const cluster = redisCluster({ url: config.redisUrl, nodeId, nodeUrl, log })
    try {
        await cluster.start()
    } catch (e) {
        await cluster.stop().catch(() => undefined)
        throw new Error(
            `ENSEMBLE_REDIS_URL: Redis at ${redactUrl(config.redisUrl)} cannot be reached (${e instanceof Error ? e.message : String(e)})`,
            { cause: e },
        )
    }
    log.info({ node: nodeId, url: nodeUrl }, 'joined the cluster')
    return cluster
}

/** A Redis URL without its password, for messages. */
function redactUrl(url: string): string {
    try {
        const parsed = new URL(url)
        if (parsed.password) parsed.password = '***'
        return parsed.toString()
    } catch {
        return 'the configured URL'
    }
}
