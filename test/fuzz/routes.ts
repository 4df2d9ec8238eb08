// The routes a Fastify instance serves, read from its own route table (printRoutes), so a fuzz test
// can refuse to pass when a route exists that it has no plan for.
import type { FastifyInstance } from 'fastify'

export type Route = { method: string; url: string }

/**
 * Every method and URL pattern of the route table. printRoutes({ commonPrefix: false }) draws a tree in
 * which each line's label continues its parent's path; the depth is the width of the drawing before it.
 */
export function routeTable(fastify: FastifyInstance): Route[] {
    const routes: Route[] = []
    const stack: string[] = []
    for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
        if (!line.trim()) continue
        const m = /^([│ ├└─]*?)(?:├── |└── )(.*)$/.exec(line)
        if (!m) throw new Error(`unexpected line in the route table: ${JSON.stringify(line)}`)
        const depth = m[1]!.length / 4
        if (!Number.isInteger(depth)) throw new Error(`unexpected indentation in the route table: ${JSON.stringify(line)}`)
        const label = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(m[2]!)!
        stack.length = depth
        stack.push(label[1]!)
        const url = stack.join('')
        for (const method of label[2]?.split(', ') ?? []) routes.push({ method, url })
    }
    return routes
}
