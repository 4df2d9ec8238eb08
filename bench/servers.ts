// The two servers every benchmark runs against, so each figure has two columns:
//   default: started exactly as `npm start` starts it (node dist/src/main.js, default configuration and
//            logging; only a temp data directory, a free port and the bench's key are set), measured from
//            outside through /metrics and /proc;
//   tuned:   bench/server.ts as the bench always ran it (logs off, --expose-gc, a forced GC before memory
//            readings, chat and flood limits lifted for the fan-out run).
// Both are measured the same way where they can be: CPU per process, event-loop delay, GC and the join's
// server-side latency from /metrics.
import { readFileSync } from 'node:fs'
import { startLoadServer } from './load-server.js'
import { benchJwk } from './players.js'
import { startChild } from './processes.js'
import { scrape, type Scrape } from './prometheus.js'

export type Mode = 'default' | 'tuned'

export type Memory = { rss: number; heapUsed: number; external: number; connections: number }

export type BenchServer = {
    mode: Mode
    address: string
    /** CPU time of the whole process (every thread), in microseconds. */
    cpu(): Promise<number>
    /** CPU time of the event-loop thread alone, in microseconds (NaN where it cannot be read). */
    mainThreadCpu(): Promise<number>
    /** Minor page faults of the whole process so far (NaN where they cannot be read). */
    faults(): Promise<number>
    /** Memory now (tuned: after a full GC; default: as it is, the process has no way to force one). */
    memory(): Promise<Memory>
    metrics(): Promise<Scrape>
    stop(): Promise<void>
}

const pageSize = 4096 // /proc/<pid>/stat counts RSS in pages (4 KiB on x86-64 and arm64 Linux)

/** The fields of a /proc stat file after the command name: state is [0], minflt [7], utime [11], stime [12], rss [21]. */
function statFields(path: string): string[] {
    const stat = readFileSync(path, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** utime + stime of every thread of the process, from /proc (clock ticks of 10 ms). */
function procCpuMicros(pid: number, path = `/proc/${pid}/stat`): number {
    const fields = statFields(path)
    return (Number(fields[11]) + Number(fields[12])) * 10_000
}

/** Minor page faults of every thread of the process, from /proc. */
const procFaults = (pid: number): number => Number(statFields(`/proc/${pid}/stat`)[7])

const procRss = (pid: number): number => Number(statFields(`/proc/${pid}/stat`)[21]) * pageSize

/**
 * unlimited: chat and flood limits lifted (the fan-out run). `npm start` has no way to lift them, so the
 * default column of that run is bench/server.ts with the default configuration and logging (level info).
 */
export async function startBenchServer(mode: Mode, options: { unlimited?: boolean } = {}): Promise<BenchServer> {
    if (mode === 'default' && !options.unlimited) {
        const server = await startLoadServer(benchJwk)
        return {
            mode,
            address: server.address,
            cpu: async () => procCpuMicros(server.pid),
            // The main thread's task id is the process id.
            mainThreadCpu: async () => procCpuMicros(server.pid, `/proc/${server.pid}/task/${server.pid}/stat`),
            faults: async () => procFaults(server.pid),
            memory: async () => {
                const m = await scrape(server.address)
                return {
                    rss: procRss(server.pid),
                    heapUsed: m.get('ensemble_nodejs_heap_size_used_bytes') ?? NaN,
                    external: m.get('ensemble_nodejs_external_memory_bytes') ?? NaN,
                    connections: m.get('ensemble_connected_players') ?? 0,
                }
            },
            metrics: () => scrape(server.address),
            stop: () => server.stop(),
        }
    }
    const child = await startChild<{ port: number; address: string }>('./server.js', [], {
        BENCH_JWK: JSON.stringify(benchJwk),
        ...(options.unlimited ? { BENCH_UNLIMITED: '1' } : {}),
        ...(mode === 'default' ? { BENCH_LOG_LEVEL: 'info' } : {}),
    })
    const { address } = child.ready
    return {
        mode,
        address,
        cpu: async () => {
            const { user, system } = await child.request<{ user: number; system: number }>({ type: 'cpu' })
            return user + system
        },
        mainThreadCpu: async () => {
            const { pid } = await child.request<{ pid: number }>({ type: 'pid' })
            return procCpuMicros(pid, `/proc/${pid}/task/${pid}/stat`)
        },
        faults: async () => {
            const { pid } = await child.request<{ pid: number }>({ type: 'pid' })
            return procFaults(pid)
        },
        memory: () => child.request<Memory>({ type: 'memory' }),
        metrics: () => scrape(address),
        stop: () => child.stop(),
    }
}
