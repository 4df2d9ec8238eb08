// The cluster figures (issue 17): join throughput and chat fan-out with two nodes against one, in the same
// run. Each configuration gets a fresh PostgreSQL database and its own redis-server, and its nodes are
// bench servers (bench/server.ts) in multi-node mode sharing one public address, each on its own port.
//   joins: signed POST /sonolus/rooms/{name} into 4 rooms, 32 connections split evenly over the nodes
//          (every node answers joins for rooms hosted anywhere);
//   fan-out: 4 rooms of 25 players (placed by the cluster), 3 chatting in each with 8 messages in flight;
//          frames delivered to all players per second.
import { createTestDatabase, postgresSkip } from '../test/helpers/postgres.js'
import { startTestRedis } from '../test/helpers/redis.js'
import { freePort } from '../test/wire/server-process.js'
import { measureFanout } from './fanout.js'
import { benchJwk, benchProfile, connectLight, createRoom, joinBody, joinRoom, pool, type LightClient, type Signed } from './players.js'
import { startChild, type Child } from './processes.js'

type Load = (address: string, path: (i: number) => string, bodies: Signed[], connections: number) => Promise<{ total: number; rate: number }>

export type ClusterBenchOptions = { seconds: number; quick: boolean; loader: string; load: Load; fmt: (n: number, digits?: number) => string }

type Node = { url: string; child: Child<{ port: number; address: string }> }
type Cluster = { address: string; nodes: Node[]; close(): Promise<void> }

type CpuUsage = { user: number; system: number }

const joinRooms = 4
const fanoutRooms = 4
const perRoom = 25
const sendersPerRoom = 3

/** `count` nodes on a fresh database and a fresh Redis; the first node's URL is the shared address. */
async function startCluster(count: number): Promise<Cluster> {
    const redis = await startTestRedis()
    const database = await createTestDatabase()
    const nodes: Node[] = []
    const close = async () => {
        await Promise.all(nodes.map((n) => n.child.stop()))
        await redis.kill()
        await database.drop()
    }
    try {
        const ports = await Promise.all(Array.from({ length: count }, () => freePort()))
        const address = `http://127.0.0.1:${ports[0]}`
        for (const port of ports) {
            const url = `http://127.0.0.1:${port}`
            const child = await startChild<{ port: number; address: string }>('./server.js', [], {
                BENCH_JWK: JSON.stringify(benchJwk),
                BENCH_UNLIMITED: '1',
                BENCH_PORT: String(port),
                BENCH_DATABASE_URL: database.url,
                ENSEMBLE_REDIS_URL: redis.url,
                ENSEMBLE_ADDRESS: address,
                ENSEMBLE_NODE_URL: url,
            })
            nodes.push({ url, child })
        }
        return { address, nodes, close }
    } catch (e) {
        await close().catch(() => {})
        throw e
    }
}

const cpuOf = async (nodes: Node[]) => {
    const readings = await Promise.all(nodes.map((n) => n.child.request<CpuUsage>({ type: 'cpu' })))
    return readings.reduce((sum, r) => sum + r.user + r.system, 0)
}

/** Joins per second with `count` nodes, and the nodes' CPU per join (µs). */
async function joins(count: number, o: ClusterBenchOptions): Promise<{ rate: number; cpu: number }> {
    const cluster = await startCluster(count)
    const clients: LightClient[] = []
    try {
        const { address, nodes } = cluster
        const rooms: string[] = []
        for (let r = 0; r < joinRooms; r++) {
            const { name, answer } = await createRoom(address, benchProfile(-r - 1), { maxPlayers: '100' }, nodes[r % nodes.length]!.url)
            clients.push(await connectLight(answer))
            rooms.push(name)
        }
        // Every node gets its share of the 32 connections and enough distinct bodies for the run.
        const perNode = (o.quick ? 3000 : 5000) * o.seconds
        const profiles = Array.from({ length: 2000 }, (_, i) => benchProfile(i))
        const work = nodes.map((node, n) => {
            const bodies = Array.from({ length: perNode }, (_, i) =>
                joinBody(address, rooms[i % rooms.length]!, profiles[(i + n * 7) % profiles.length]!),
            )
            return { node, bodies }
        })
        const before = await cpuOf(nodes)
        const loads = await Promise.all(
            work.map(({ node, bodies }) => o.load(node.url, (i) => `/sonolus/rooms/${rooms[i % rooms.length]}`, bodies, 32 / nodes.length)),
        )
        const cpu = (await cpuOf(nodes)) - before
        const total = loads.reduce((sum, l) => sum + l.total, 0)
        return { rate: loads.reduce((sum, l) => sum + l.rate, 0), cpu: cpu / total }
    } finally {
        for (const c of clients) c.ws.terminate()
        await cluster.close()
    }
}

/** Chat frames delivered per second with `count` nodes; which node hosts each room (e.g. "2+2"). */
async function fanout(count: number, o: ClusterBenchOptions): Promise<{ rate: number; split: string }> {
    const cluster = await startCluster(count)
    const clients: LightClient[] = []
    try {
        const { address, nodes } = cluster
        const ids: string[] = []
        const hosts = new Map<string, number>()
        for (let r = 0; r < fanoutRooms; r++) {
            const profiles = Array.from({ length: perRoom }, (_, i) => benchProfile(r * perRoom + i))
            const via = (i: number) => nodes[(r + i) % nodes.length]!.url
            const { name, answer } = await createRoom(address, profiles[0]!, { maxPlayers: String(perRoom) }, via(0))
            const host = new URL(answer.url).host
            hosts.set(host, (hosts.get(host) ?? 0) + 1)
            clients.push(await connectLight(answer))
            // Joins go through every node; the sockets go to the room's node, whatever answered.
            clients.push(...(await pool(profiles.slice(1), 8, async (p, i) => connectLight(await joinRoom(address, name, p, via(i + 1))))))
            ids.push(...profiles.map((p) => p.id))
            // Placement reads the nodes' loads from their heartbeats: give the next room a fresh reading.
            await new Promise((resolve) => setTimeout(resolve, 1500))
        }
        const rate = await measureFanout(
            clients.map((c) => c.ws),
            ids,
            (i, n) =>
                JSON.stringify({ type: 'addChatMessage', nonce: n, message: { userId: ids[i], type: 'text', value: 'cluster fan-out message' } }),
            { seconds: o.seconds, isSender: (i) => i % perRoom < sendersPerRoom },
        )
        return { rate, split: [...hosts.values()].sort((a, b) => b - a).join('+') }
    } finally {
        for (const c of clients) c.ws.terminate()
        await cluster.close()
    }
}

/** Both figures, one node then two, each configuration fresh. */
export async function benchCluster(o: ClusterBenchOptions): Promise<void> {
    const unreachable = await postgresSkip()
    if (unreachable) throw new Error(`${unreachable}: the cluster benchmark needs PostgreSQL (and redis-server); leave it out with --skip=cluster`)
    const { fmt } = o
    const started = new Date()
    const joinOne = await joins(1, o)
    const joinTwo = await joins(2, o)
    const fanOne = await fanout(1, o)
    const fanTwo = await fanout(2, o)
    const rows = [
        [
            `Joins (POST /sonolus/rooms/{name}) into ${joinRooms} rooms, 32 connections split over the nodes (req/s; ${o.loader})`,
            `${fmt(joinOne.rate)} (nodes' CPU ${fmt(joinOne.cpu)} µs/join)`,
            `${fmt(joinTwo.rate)} (nodes' CPU ${fmt(joinTwo.cpu)} µs/join)`,
            fmt(joinTwo.rate / joinOne.rate, 2),
        ],
        [
            `Fan-out: chat in ${fanoutRooms} rooms of ${perRoom}, ${sendersPerRoom} senders each (events delivered/s)`,
            fmt(fanOne.rate),
            `${fmt(fanTwo.rate)} (rooms per node ${fanTwo.split})`,
            fmt(fanTwo.rate / fanOne.rate, 2),
        ],
    ]
    const table = [
        '| cluster (PostgreSQL + Redis) | 1 node | 2 nodes | 2 nodes / 1 node |',
        '|---|---|---|---|',
        ...rows.map((r) => `| ${r.join(' | ')} |`),
    ]
    console.log(`\nEnsemble cluster benchmarks, ${started.toISOString()}${o.quick ? ' (quick)' : ''}\n\n${table.join('\n')}\n`)
}
