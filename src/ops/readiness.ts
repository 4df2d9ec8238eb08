// GET /readyz: whether this process can serve players now. /healthz says the process is up; /readyz
// also asks the store (a trivial query) and, with several nodes, whether Redis is reachable, and answers
// 503 with the reason when it cannot, or while the server is shutting down, so a load balancer stops sending players here before connections are cut.
import type { FastifyInstance } from 'fastify'
import type { Cluster } from '../cluster/cluster.js'
import type { Store } from '../store/store.js'

export type Readiness = {
    /** From now on /readyz answers 503 'shutting down'. */
    markStopping(): void
}

/** A store that has not answered within this bound counts as unreachable. */
const pingTimeoutMs = 2000

export function registerReadiness(app: FastifyInstance, basePath: string, store: Store, cluster?: Pick<Cluster, 'health'>): Readiness {
    let stopping = false
    app.get(`${basePath}/readyz`, async (_request, reply) => {
        if (stopping) return reply.status(503).send({ status: 'unavailable', reason: 'shutting down' })
        let timer: NodeJS.Timeout | undefined
        try {
            await Promise.race([
                store.ping(),
                new Promise((_, reject) => {
                    timer = setTimeout(() => reject(new Error(`no answer within ${pingTimeoutMs} ms`)), pingTimeoutMs)
                }),
            ])
        } catch (err) {
            return reply
                .status(503)
                .send({ status: 'unavailable', reason: `storage unreachable: ${err instanceof Error ? err.message : String(err)}` })
        } finally {
            clearTimeout(timer)
        }
        // Several nodes: without Redis this node still serves its own rooms, but no cross-node work.
        const shared = cluster?.health()
        if (shared && !shared.ok) return reply.status(503).send({ status: 'unavailable', reason: shared.reason })
        return { status: 'ready' }
    })
    return { markStopping: () => void (stopping = true) }
}
