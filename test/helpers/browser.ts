// A real headless Chromium (Debian's package) driven by playwright-core. Outside CI a machine without
// /usr/bin/chromium skips the browser tests with a message; in CI (CI=true) a missing browser fails them.
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const chromiumPath = process.env.ENSEMBLE_TEST_CHROMIUM ?? '/usr/bin/chromium'

/** Why browser tests skip here, or false when they run (they never skip under CI=true). */
export function browserSkip(): string | false {
    if (existsSync(chromiumPath)) return false
    if (process.env.CI === 'true') return false // launching fails the test: CI must have the browser
    return `${chromiumPath} is missing: install it (apt-get update && apt-get install -y chromium) to run the browser tests`
}

export type TestBrowser = { context: BrowserContext; close(): Promise<void> }

/** A fresh browser (its own new profile directory, removed on close). */
export async function launchBrowser(options: { width?: number; locale?: string } = {}): Promise<TestBrowser> {
    const profile = await mkdtemp(join(tmpdir(), 'ensemble-chromium-'))
    const width = options.width ?? 1280
    // launchPersistentContext is how playwright takes a --user-data-dir of our choosing.
    const context = await chromium
        .launchPersistentContext(profile, {
            executablePath: chromiumPath,
            headless: true,
            args: [
                '--no-sandbox',
                '--disable-gpu',
                '--disable-quic',
                '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
            ],
            viewport: { width, height: width < 500 ? 780 : 900 },
            locale: options.locale ?? 'en-US',
            deviceScaleFactor: 1,
        })
        .catch(async (error: unknown) => {
            await rm(profile, { recursive: true, force: true })
            throw error
        })
    return {
        context,
        async close() {
            await context.close()
            await rm(profile, { recursive: true, force: true })
        },
    }
}
