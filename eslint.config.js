// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, plus the type-aware rules
// that catch real bugs here: promises nobody awaits or handles, promises passed where a plain callback is
// expected, and awaiting what is not a promise. Formatting is Prettier's job (`npm run format`).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'

export default tseslint.config(
    { ignores: ['dist/', '**/dist/', 'node_modules/', 'data/', '.tmp/'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node } },
        rules: {
            eqeqeq: ['error', 'always', { null: 'ignore' }],
            'no-constant-condition': ['error', { checkLoops: false }],
            'no-self-compare': 'error',
            'no-template-curly-in-string': 'error',
            '@typescript-eslint/no-unused-vars': [
                'error',
                { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
            ],
            // Metrics collectors get the metric as `this` and reach the registry owner through `self`.
            '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
            // Tests read untyped JSON answers; `any` there is deliberate.
            '@typescript-eslint/no-explicit-any': 'off',
        },
    },
    {
        files: ['**/*.ts'],
        languageOptions: {
            parserOptions: {
                projectService: { allowDefaultProject: ['schemas/*.ts'] },
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            // node:test's test/describe return promises the runner itself awaits.
            '@typescript-eslint/no-floating-promises': [
                'error',
                {
                    allowForKnownSafeCalls: [
                        { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
                        { from: 'file', path: 'test/store/contract.ts', name: 'withStore' },
                    ],
                },
            ],
            '@typescript-eslint/no-misused-promises': 'error',
            '@typescript-eslint/await-thenable': 'error',
            '@typescript-eslint/only-throw-error': 'error',
            '@typescript-eslint/prefer-promise-reject-errors': 'error',
        },
    },
    {
        files: ['web/src/**/*.ts'],
        languageOptions: { globals: { ...globals.browser } },
    },
)
