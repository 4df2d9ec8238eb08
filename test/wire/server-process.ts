// The real server as a stranger runs it: `node dist/src/main.js` in a child process, configured only
// through its environment (a free port, a temp data directory, its public address and a signature key
// this suite made). Nothing of the server is imported.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type ServerProcess = {
    /** http://127.0.0.1:<port>, also the ENSEMBLE_ADDRESS players sign for. */
    address: string
    /** What the server printed so far (for failure messages). */
    output(): string
    /** SIGTERM, then waits for the exit; resolves with the exit code. */
    stop(): Promise<number | null>
    /** Sends a signal (shutdown tests). */
    kill(signal: NodeJS.Signals): void
    /** The exit code, once the process has exited. */
    exited: Promise<number | null>
    dataDir: string
    pid: number
}

// dist/test/wire/server-process.js → dist/src/main.js
const mainJs = fileURLToPath(new URL('../../src/main.js', import.meta.url))

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const probe = createServer()
        probe.once('error', reject)
        probe.listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as { port: number }
            probe.close(() => resolve(port))
        })
    })
}

/**
 * `dataDir`: reuse this data directory (restart tests); it is left in place on stop. `port`: listen there (a
 * cluster names its nodes' URLs before they start). `startTimeoutMs`: how long /healthz may take (20 s).
 */
export async function startServerProcess(
    publicJwk: object,
    env: Record<string, string> = {},
    options: { dataDir?: string; port?: number; startTimeoutMs?: number } = {},
): Promise<ServerProcess> {
    const port = options.port ?? (await freePort())
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'ensemble-wire-')))
    const address = `http://127.0.0.1:${port}`
    const child: ChildProcess = spawn(process.execPath, [mainJs], {
        env: {
            PATH: process.env.PATH ?? '',
            ENSEMBLE_PORT: String(port),
            ENSEMBLE_HOST: '127.0.0.1',
            ENSEMBLE_ADDRESS: address,
            ENSEMBLE_DATA_DIR: dataDir,
            ENSEMBLE_SIGNATURE_PUBLIC_KEY: JSON.stringify(publicJwk),
            ENSEMBLE_LOG_LEVEL: 'warn',
            ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    let exitCode: number | null | undefined
    void exited.then((code) => (exitCode = code))

    // Ready once /healthz answers.
    const startTimeoutMs = options.startTimeoutMs ?? 20_000
    const deadline = Date.now() + startTimeoutMs
    for (;;) {
        if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before listening:\n${output}`)
        try {
            const res = await fetch(`${address}/healthz`)
            if (res.ok) break
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            child.kill('SIGKILL')
            throw new Error(`server did not answer /healthz within ${startTimeoutMs / 1000} s:\n${output}`)
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
    }

    return {
        address,
        output: () => output,
        kill: (signal) => void child.kill(signal),
        exited,
        dataDir,
        pid: child.pid!,
        stop: async () => {
            if (exitCode === undefined) child.kill('SIGTERM')
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
            const code = await exited
            clearTimeout(timer)
            if (!options.dataDir) await rm(dataDir, { recursive: true, force: true })
            return code
        },
    }
}
