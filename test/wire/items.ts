// What a wire-level client sends in commands, written from the official types (@sonolus/core Sil,
// LevelItem, GameplayResult) without the server's code: a level reference on another server, the
// LevelItem a StartGameplayCommand carries, and a GameplayResult.
const levels = 'https://levels.example.com'

export const wireLevel = (name = 'wire-level') => ({ address: levels, name })

const srl = (name: string) => ({ hash: null, url: `${levels}/repository/${name}` })
const resource = (name: string, version: number, files: string[]) => ({
    name,
    version,
    title: name,
    subtitle: '',
    author: 'wire',
    tags: [],
    ...Object.fromEntries(['thumbnail', ...files].map((file) => [file, srl(`${name}/${file}`)])),
})

/** The LevelItem a StartGameplayCommand carries, complete (every resource of its engine). */
export const wireLevelItem = (name = 'wire-level', title = 'Wire Level') => ({
    name,
    version: 1,
    rating: 10,
    title,
    artists: 'wire',
    author: 'wire',
    tags: [],
    engine: {
        ...resource('wire-engine', 13, ['playData', 'watchData', 'previewData', 'tutorialData', 'configuration']),
        skin: resource('wire-skin', 4, ['data', 'texture']),
        background: resource('wire-background', 2, ['data', 'image', 'configuration']),
        effect: resource('wire-effect', 5, ['data', 'audio']),
        particle: resource('wire-particle', 3, ['data', 'texture']),
    },
    useSkin: { useDefault: true },
    useBackground: { useDefault: true },
    useEffect: { useDefault: true },
    useParticle: { useDefault: true },
    cover: srl('cover'),
    bgm: srl('bgm'),
    data: srl('data'),
})

export const gameplayResult = (arcadeScore: number) => ({
    grade: 'pass',
    arcadeScore,
    accuracyScore: arcadeScore / 1_000_000,
    combo: 120,
    perfect: 100,
    great: 15,
    good: 3,
    miss: 2,
    totalCount: 120,
})

/** Commands no app sends: not JSON, not an object, unknown types, fields of the wrong type or out of range. */
export const garbageCommands: readonly string[] = [
    'nope',
    '{',
    '[]',
    'null',
    '{"type":"updateStatus","status":"nonsense"}',
    '{"type":"addSuggestion","level":null}',
    '{"type":"removeUser","userId":["x"]}',
    '{"type":"updateLevelOption","levelOption":{"index":-1,"value":"x"}}',
    '{"type":"updateOptionValues","optionValues":"scoring=bogus"}',
    '{"type":"__proto__","constructor":{}}',
    '{"type":"finishGameplay","state":"no-such-round","result":{}}',
    JSON.stringify({ type: 'addChatMessage', nonce: 1, message: { type: 'text', value: 'x'.repeat(5000), userId: null } }),
]
