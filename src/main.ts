// Start-up: read the configuration, lock the SQLite data directory, build the app, listen; close
// gracefully on SIGTERM / SIGINT.
import { dirname } from 'node:path'
import { buildApp } from './app.js'
import { CONFIG_EXIT_CODE, ConfigError, loadConfig, usage, type LoadedConfig } from './config.js'
import { copyListener, type ListenerCopies } from './http/listener-copies.js'
import { StoreUnavailableError } from './store/open.js'
import { DataDirLockedError, lockDataDir, type DataDirLock } from './store/sqlite/data-dir-lock.js'
import { attachMultiplayer } from './transport/attach.js'

/** Held for the life of the process (module scope: never collected while the server runs). */
let dataDirLock: DataDirLock | undefined

async function main(): Promise<void> {
    let loaded: LoadedConfig
    try {
        loaded = loadConfig()
    } catch (e) {
        if (e instanceof ConfigError) {
            process.stderr.write(`ensemble: ${e.message}\n\nRun with --help to see every setting.\n`)
            process.exit(CONFIG_EXIT_CODE)
        }
        throw e
    }
    if (loaded.help) {
        process.stdout.write(usage() + '\n')
        return
    }
    const { config, warnings } = loaded

    // SQLite: one process per data directory (the directory holding the database). PostgreSQL is for several.
    if (config.database.kind === 'sqlite') {
        try {
            dataDirLock = lockDataDir(dirname(config.database.path), { address: config.address })
        } catch (e) {
            if (e instanceof DataDirLockedError) {
                process.stderr.write(`ensemble: ${e.message}\n`)
                process.exit(CONFIG_EXIT_CODE)
            }
            throw e
        }
    }

    let app
    try {
        app = await buildApp(config, { attach: attachMultiplayer })
    } catch (e) {
        if (e instanceof StoreUnavailableError || (e instanceof Error && e.message.startsWith('ENSEMBLE_'))) {
            process.stderr.write(`ensemble: ${e.message}\n`)
            process.exit(CONFIG_EXIT_CODE)
        }
        throw e
    }
    const log = app.fastify.log
    for (const warning of warnings) log.warn(warning)
    if (config.signatureKeyOverridden) {
        process.stderr.write(`\n*** WARNING: ${warnings.find((w) => w.startsWith('ENSEMBLE_SIGNATURE_PUBLIC_KEY'))} ***\n\n`)
    }

    let copies: ListenerCopies | undefined
    let stopping = false
    const stop = (signal: string) => {
        if (stopping) {
            log.warn(`${signal} again: exiting now`)
            process.exit(1)
        }
        stopping = true
        log.info(`${signal}: shutting down`)
        copies?.close()
        app.close().then(
            () => {
                dataDirLock?.release()
                process.exit(0)
            },
            (err) => {
                log.error({ err }, 'shutdown failed')
                process.exit(1)
            },
        )
    }
    process.on('SIGTERM', () => stop('SIGTERM'))
    process.on('SIGINT', () => stop('SIGINT'))

    await app.fastify.listen({ port: config.port, host: config.host })
    // Unless shutting down already: a signal may have come while listen() was pending.
    if (!stopping) copies = copyListener(app.fastify.server, config.acceptDescriptors - 1, log)
    log.info(
        `Ensemble serving ${config.basePath || '/'} on ${config.host}:${config.port}; players add the server ${config.address} in Sonolus` +
            (config.database.kind === 'sqlite' ? `; database ${config.database.path}` : ''),
    )
}

main().catch((err) => {
    process.stderr.write(`ensemble: failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
})
