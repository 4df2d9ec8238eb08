// Build step (npm run build): JSON Schemas of the official @sonolus/core types Ensemble sends, generated
// from the package's .d.ts declarations with ts-json-schema-generator, tightened by overlay.mjs where the
// spec texts say more than the types, and written to dist/schemas/sonolus.json for the tests' validator
// (test/schema/validate.ts). Nothing here is shared with the server: the schemas come from the
// declarations, not from Ensemble's code.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { SchemaGenerator, StringType, createFormatter, createParser, createProgram } from 'ts-json-schema-generator'
import { overlay } from './overlay.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'schemas', 'sonolus.json')

/** The roots (schemas/wire-types.ts); every type they use becomes a definition too. */
const roots = [
    'Event',
    'ServerInfo',
    'ServerAuthenticateResponse',
    'ServerItemInfo',
    'RoomItemList',
    'ServerCreateRoomResponse',
    'ServerJoinRoomResponse',
    'ServerMessage',
]

const config = {
    path: join(root, 'schemas', 'wire-types.ts'),
    tsconfig: join(root, 'tsconfig.json'),
    type: '*',
    expose: 'export',
    topRef: true,
    jsDoc: 'none',
    // The app's JSON readers are typed: a field the types do not know is a mistake of ours.
    additionalProperties: false,
    // tsc type-checks the project already; this only reads declarations.
    skipTypeCheck: true,
}

/**
 * Branded ids (`ServiceUserId = string & { [brand]: never }`) are plain strings on the wire. Left to the
 * generator, the `never` member turns the whole intersection into `never` and the property silently
 * disappears from the schema (ScoreEntry lost its userId), so a string with a symbol-keyed brand is read
 * as a string.
 */
const brandedString = {
    supportsNode: (node) =>
        ts.isIntersectionTypeNode(node) &&
        node.types.some((t) => t.kind === ts.SyntaxKind.StringKeyword) &&
        node.types.every(
            (t) =>
                t.kind === ts.SyntaxKind.StringKeyword ||
                (ts.isTypeLiteralNode(t) && t.members.length > 0 && t.members.every((m) => m.name && ts.isComputedPropertyName(m.name))),
        ),
    createType: () => new StringType(),
}

const program = createProgram(config)
const parser = createParser(program, config, (chain) => chain.addNodeParser(brandedString))
const generator = new SchemaGenerator(program, parser, createFormatter(config), config)

const definitions = {}
for (const name of roots) Object.assign(definitions, generator.createSchema(name).definitions)

// Every member of the Event union, by its `type` constant.
const events = {}
for (const member of definitions.Event.anyOf) {
    const name = decodeURIComponent(member.$ref.replace('#/definitions/', ''))
    const type = definitions[name]?.properties?.type?.const
    if (typeof type !== 'string') throw new Error(`Event member ${name} has no constant type`)
    events[type] = name
}

const pointer = (value, path) =>
    path
        .split('/')
        .slice(1)
        .reduce((node, key) => (node === undefined ? undefined : node[key.replaceAll('~1', '/').replaceAll('~0', '~')]), value)

const tightened = []
for (const entry of overlay) {
    const target = pointer(definitions[entry.definition], entry.path)
    if (!target || typeof target !== 'object') {
        throw new Error(`schemas/overlay.mjs: ${entry.definition}${entry.path} does not exist in the generated schemas`)
    }
    Object.assign(target, structuredClone(entry.set))
    tightened.push(`${entry.definition}${entry.path}: ${JSON.stringify(entry.set)} (${entry.why})`)
}

// The brand guard above must have worked: a definition that lost its id would validate nonsense.
for (const name of ['ScoreEntry', 'Suggestion', 'ResultEntry', 'UserStatusEntry']) {
    if (!definitions[name]?.required?.includes('userId')) throw new Error(`${name}.userId missing from the schema`)
}

await mkdir(dirname(out), { recursive: true })
await writeFile(
    out,
    JSON.stringify({ generatedFrom: '@sonolus/core declarations (schemas/generate.mjs)', roots, events, tightened, definitions }, null, 1),
)
console.log(
    `schemas: ${Object.keys(definitions).length} definitions, ${Object.keys(events).length} event types, ${tightened.length} tightenings -> ${out}`,
)
