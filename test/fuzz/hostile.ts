// Hostile values for the fuzz tests: strings, numbers and JSON a careless or malicious client sends
// (odd unicode, path traversal, prototype-pollution keys, numbers out of range, deep nesting, huge
// sizes), and the checks every answer must pass whatever it was sent.
import fc from 'fast-check'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** The seed of a fuzz run: ENSEMBLE_FUZZ_SEED replays one; otherwise a fresh one, printed by the caller. */
export const fuzzSeed = (): number => Number(process.env.ENSEMBLE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))

export const oddStrings = [
    '',
    ' ',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '../../../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '/etc/passwd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    'a\u0000b',
    '\u202eevil\u202c',
    '\ud800',
    '\udfff\ud800',
    '🎵'.repeat(50),
    'e\u0301\u0301\u0301\u0301',
    '<script>alert(1)</script>',
    "'; DROP TABLE rooms; --",
    '%s%s%s%n',
    // eslint-disable-next-line no-template-curly-in-string -- a hostile input, sent as text
    '${process.exit()}',
    'NaN',
    'Infinity',
    '-1',
    '1e309',
    '0x10',
    'null',
    'true',
    '[]',
    '{}',
    'x'.repeat(70),
    'y'.repeat(5000),
]

export const oddNumbers = [
    -1,
    0,
    -0,
    0.5,
    Number.POSITIVE_INFINITY /* 1e309 in JSON text below */,
    Number.MAX_SAFE_INTEGER + 2,
    -Number.MAX_SAFE_INTEGER - 2,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    1e21,
    1e-7,
]

/** A string a client might send where any string is expected. */
export const hostileString = (): fc.Arbitrary<string> =>
    fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...oddStrings) },
        { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
        { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => 'z'.repeat(n)) },
    )

/** A number out of the usual ranges (JSON cannot carry NaN or Infinity: see hostileJsonText). */
export const hostileNumber = (): fc.Arbitrary<number> =>
    fc.oneof(fc.constantFrom(...oddNumbers.filter(Number.isFinite)), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer())

/** Any JSON value, biased to hostile leaves and keys. */
export const hostileJson = (): fc.Arbitrary<unknown> =>
    fc.letrec<{ value: unknown }>((tie) => ({
        value: fc.oneof(
            { depthSize: 'small', withCrossShrink: true },
            hostileString(),
            hostileNumber(),
            fc.constantFrom(null, true, false),
            fc.array(tie('value'), { maxLength: 4 }),
            fc.dictionary(
                fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'name', 'id'), fc.string({ maxLength: 8 })),
                tie('value'),
                {
                    maxKeys: 4,
                },
            ),
        ),
    })).value

/** JSON text no JSON.stringify makes: bare NaN/Infinity, truncation, deep nesting, duplicate and polluting keys. */
export const hostileJsonText = (): fc.Arbitrary<string> =>
    fc.oneof(
        fc.constantFrom(
            '',
            '{',
            '}',
            'null',
            '"just a string"',
            '12345678901234567890123456789',
            '{"a":NaN}',
            '{"a":Infinity}',
            '{"a":1e999999}',
            '{"__proto__":{"polluted":true}}',
            '{"constructor":{"prototype":{"polluted":true}}}',
            '{"type":"a","type":"b"}',
            '\ufeff{}',
            '{"a":"\\ud800"}',
            '{"a":"\\u0000"}',
            '['.repeat(100_000),
            '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000),
            '[1,2,3,]',
            "{'single':'quotes'}",
        ),
        hostileJson().map((v) => JSON.stringify(v) ?? 'null'),
        hostileJson().map((v) => {
            const text = JSON.stringify(v) ?? 'null'
            return text.slice(0, Math.max(0, text.length - 1))
        }),
    )

/** What an answer body must never show: a stack frame, a module path, a source location, an internal path. */
export function leaks(body: string, internalPaths: readonly string[]): string | null {
    const patterns: [RegExp, string][] = [
        [/\n\s+at \S/, 'a stack frame'],
        [/\bat (?:async )?[\w.<>]+ \(/, 'a stack frame'],
        [/node_modules/, 'node_modules'],
        [/\.(?:ts|js|mjs|cjs):\d+/, 'a source location'],
        [/\b(?:Type|Range|Reference|Syntax)Error\b/, 'a JavaScript error name'],
        [/SQLITE_|sqlite3?\b|SqliteError|relation "|syntax error at/i, 'a database error'],
    ]
    for (const [re, what] of patterns) {
        const m = re.exec(body)
        if (m) return `${what} (${JSON.stringify(body.slice(Math.max(0, m.index - 60), m.index + 80))})`
    }
    for (const path of internalPaths) if (path && body.includes(path)) return `an internal path ${path}`
    return null
}

// A full collection before each heap reading, so the bound is about what stays, not garbage not yet collected.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Heap in use after full collections. */
export async function settledHeap(): Promise<number> {
    for (let i = 0; i < 3; i++) {
        gc()
        await new Promise((resolve) => setImmediate(resolve))
    }
    return process.memoryUsage().heapUsed
}
