// Starts a bench participant as its own Node process (its own core and heap), waits for the line
// `READY <json>` it prints, and stops it afterwards.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export type Child<T> = { process: ChildProcess; ready: T; stop(): Promise<void>; request<R>(message: unknown): Promise<R> }

export function startChild<T>(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<Child<T>> {
    const path = fileURLToPath(new URL(script, import.meta.url))
    const child = fork(path, args, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        execArgv: ['--expose-gc', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    })
    return new Promise((resolve, reject) => {
        let buffer = ''
        const onData = (chunk: Buffer) => {
            buffer += chunk.toString()
            const line = buffer.split('\n').find((l) => l.startsWith('READY '))
            if (!line) return
            child.stdout!.off('data', onData)
            child.stdout!.resume()
            resolve({
                process: child,
                ready: JSON.parse(line.slice(6)) as T,
                stop: () =>
                    new Promise((done) => {
                        if (child.exitCode !== null) return done()
                        child.once('exit', () => done())
                        child.kill('SIGTERM')
                        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
                    }),
                request: <R>(message: unknown) =>
                    new Promise<R>((answer) => {
                        child.once('message', (reply) => answer(reply as R))
                        child.send(message as object)
                    }),
            })
        }
        child.stdout!.on('data', onData)
        child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)))
        child.once('error', reject)
    })
}
