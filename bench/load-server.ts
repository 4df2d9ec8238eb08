// The server under load, started the way `npm start` starts it (node dist/src/main.js, the default
// configuration) with its own temp data directory, a free loopback port and the load tool's public key
// as the signature key. ENSEMBLE_* variables of the caller's environment pass through, so a setting can
// be measured. Its log goes to a file; lines at error level or above are counted.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type LoadServer = {
    address: string
    pid: number
    /** Log lines at level error (50) or above so far, and the first few of them. */
    errorLines(): { count: number; first: string[] }
    stop(): Promise<void>
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = createServer()
        probe.once('error', reject)
        probe.listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number }
            probe.close(() => resolve(port))
        })
    })
}

async function waitReady(address: string, child: ChildProcess, logPath: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
        if (child.exitCode !== null)
            throw new Error(`the server exited with ${child.exitCode} before it was ready:\n${readFileSync(logPath, 'utf8').slice(-2000)}`)
        try {
            const res = await fetch(`${address}/readyz`)
            await res.arrayBuffer()
            if (res.status === 200) return
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) throw new Error(`the server did not answer /readyz within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 100))
    }
}

export async function startLoadServer(publicJwk: object): Promise<LoadServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'ensemble-load-'))
    const logPath = join(dataDir, 'server.log')
    const port = await freePort()
    const address = `http://127.0.0.1:${port}`
    const main = fileURLToPath(new URL('../src/main.js', import.meta.url))
    // BENCH_CPU_PROF=<dir> (npm run bench): a CPU profile of the server, written when it exits.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
    // BENCH_NODE_FLAGS: Node flags for the server alone, to try a setting (npm start passes none).
    const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
    const child = spawn(process.execPath, [...profile, ...flags, main], {
        env: {
            ...process.env,
            ENSEMBLE_DATA_DIR: dataDir,
            ENSEMBLE_SIGNATURE_PUBLIC_KEY: JSON.stringify(publicJwk),
            ENSEMBLE_HOST: '127.0.0.1',
            ENSEMBLE_PORT: String(port),
            ENSEMBLE_ADDRESS: address,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    })
    const log = createWriteStream(logPath)
    let count = 0
    const first: string[] = []
    let partial = ''
    const scan = (chunk: Buffer) => {
        log.write(chunk)
        const lines = (partial + chunk.toString()).split('\n')
        partial = lines.pop()!
        for (const line of lines) {
            let level: number
            try {
                level = (JSON.parse(line) as { level?: number }).level ?? 0
            } catch {
                level = line.trim() === '' || line.includes('WARNING') || line.startsWith('***') ? 0 : 50 // not pino: stderr text
            }
            if (level >= 50) {
                count += 1
                if (first.length < 5) first.push(line.slice(0, 300))
            }
        }
    }
    child.stdout!.on('data', scan)
    child.stderr!.on('data', scan)
    try {
        await waitReady(address, child, logPath, 30_000)
    } catch (e) {
        child.kill('SIGKILL')
        throw e
    }
    return {
        address,
        pid: child.pid!,
        errorLines: () => ({ count, first }),
        stop: () =>
            new Promise<void>((done) => {
                const finish = () => {
                    log.end()
                    rmSync(dataDir, { recursive: true, force: true })
                    done()
                }
                if (child.exitCode !== null) return finish()
                child.once('exit', finish)
                child.kill('SIGTERM')
                setTimeout(() => child.kill('SIGKILL'), 15_000).unref()
            }),
    }
}
