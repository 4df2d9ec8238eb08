// ENSEMBLE_VERIFIER_THREADS: default one per spare core (at most 4), 0 allowed, anything else refused.
import assert from 'node:assert/strict'
import { availableParallelism } from 'node:os'
import { describe, test } from 'node:test'
import { ConfigError, defaultVerifierThreads, loadConfig, settings } from '../../src/config.js'

const load = (env: Record<string, string> = {}, argv: string[] = []) => loadConfig({ env, argv, cwd: '/srv/ensemble' })

const problemsOf = (fn: () => unknown): string[] => {
    try {
        fn()
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e))
        return e.problems
    }
    assert.fail('expected a ConfigError')
}

describe('config: ENSEMBLE_VERIFIER_THREADS', () => {
    test('defaultVerifierThreads: min(max(cores - 1, 0), 4)', () => {
        assert.equal(defaultVerifierThreads(0), 0)
        assert.equal(defaultVerifierThreads(1), 0)
        assert.equal(defaultVerifierThreads(2), 1)
        assert.equal(defaultVerifierThreads(3), 2)
        assert.equal(defaultVerifierThreads(5), 4)
        assert.equal(defaultVerifierThreads(6), 4)
        assert.equal(defaultVerifierThreads(64), 4)
        const cores = availableParallelism()
        assert.equal(defaultVerifierThreads(), Math.min(Math.max(cores - 1, 0), 4))
    })

    test('unset or empty: the default for this machine', () => {
        const expected = Math.min(Math.max(availableParallelism() - 1, 0), 4)
        assert.equal(load().config.verifierThreads, expected)
        assert.equal(load({ ENSEMBLE_VERIFIER_THREADS: '' }).config.verifierThreads, expected)
    })

    test('explicit values, by variable and by flag (the flag wins)', () => {
        assert.equal(load({ ENSEMBLE_VERIFIER_THREADS: '0' }).config.verifierThreads, 0)
        assert.equal(load({ ENSEMBLE_VERIFIER_THREADS: '3' }).config.verifierThreads, 3)
        assert.equal(load({ ENSEMBLE_VERIFIER_THREADS: '64' }).config.verifierThreads, 64)
        assert.equal(load({ ENSEMBLE_VERIFIER_THREADS: '1' }, ['--verifier-threads', '0']).config.verifierThreads, 0)
        assert.equal(load({}, ['--verifier-threads=2']).config.verifierThreads, 2)
    })

    for (const bad of ['-1', 'x', '1.5', '65']) {
        test(`${JSON.stringify(bad)} is refused with a ConfigError naming the variable`, () => {
            const problems = problemsOf(() => load({ ENSEMBLE_VERIFIER_THREADS: bad }))
            assert.equal(problems.length, 1, problems.join('\n'))
            assert.match(problems[0]!, /ENSEMBLE_VERIFIER_THREADS/)
            assert.match(problems[0]!, /--verifier-threads/)
            assert.ok(problems[0]!.includes(JSON.stringify(bad)), problems[0])
        })
    }

    test('documented as a setting without a fixed default', () => {
        const s = settings.find((x) => x.env === 'ENSEMBLE_VERIFIER_THREADS')
        assert.ok(s)
        assert.equal(s.kind, 'int')
        assert.equal(s.def, undefined)
        assert.equal(s.min, 0)
    })
})
