// The layers point one way: the transport carries the room layer's decisions, never the reverse, and the
// engine (src/multiplayer) is pure, shared with the client, so it imports nothing else of the server but
// the dependency-free locale resolver.
// Read from the TypeScript sources, so a new file is covered without listing it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src')

function* sources(dir: string): Generator<string> {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) yield* sources(path)
        else if (entry.name.endsWith('.ts')) yield path
    }
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
export function importsOf(text: string): string[] {
    const found: string[] = []
    for (const m of text.matchAll(
        /\b(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm,
    )) {
        const spec = m[1] ?? m[2] ?? m[3]!
        if (spec.startsWith('.')) found.push(spec)
    }
    return found
}

/** Files under `from` (relative to src) that import a module outside what `allowed` accepts. */
function violations(from: string, allowed: (target: string) => boolean): string[] {
    const bad: string[] = []
    for (const file of sources(join(src, from))) {
        for (const spec of importsOf(readFileSync(file, 'utf8'))) {
            const target = relative(src, resolve(dirname(file), spec))
                .split('\\')
                .join('/')
            if (!allowed(target)) bad.push(`${relative(src, file)} imports ${target}`)
        }
    }
    return bad
}

test('the import scanner sees every form of import', () => {
    const text = [
        "import type { A } from '../transport/a.js'",
        "import {\n    B,\n    C,\n} from '../transport/b.js'",
        "export { D } from '../transport/d.js'",
        "const e = await import('../transport/e.js')",
        "import '../transport/f.js'",
        "import { g } from 'node:fs'",
    ].join('\n')
    assert.deepEqual(importsOf(text), ['../transport/a.js', '../transport/b.js', '../transport/d.js', '../transport/e.js', '../transport/f.js'])
})

test('nothing under src/rooms imports from src/transport', () => {
    assert.deepEqual(
        violations('rooms', (target) => !target.startsWith('transport/')),
        [],
    )
})

test('the engine (src/multiplayer) imports nothing outside itself but the locale resolver', () => {
    assert.deepEqual(
        violations('multiplayer', (target) => target.startsWith('multiplayer/') || target === 'locale.js'),
        [],
    )
})
