// The OpenAPI document: valid OpenAPI 3 (checked by a validator package), every API route in it with
// its schemas, and interactive docs that load only the server's own files (they work offline).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { startTestServer, type TestServer } from '../helpers/server.js'

/** Every route of the API. A new route must be added here, and is then checked to be documented. */
const routes = [
    'get /api/openapi.json',
    'post /api/tokens',
    'get /api/tokens',
    'delete /api/tokens/{id}',
    'post /api/join_room',
    'post /api/leave_room',
    'post /api/rooms',
    'get /api/rooms',
    'get /api/rooms/{name}',
    'get /api/rooms/{name}/chat',
    'post /api/rooms/{name}/chat',
    'get /api/rooms/{name}/results',
    'get /api/rooms/{name}/scoreboard',
    'get /api/rooms/{name}/events',
    'get /api/admin/reports',
    'post /api/admin/reports/{id}/resolve',
    'post /api/admin/rooms/{name}/close',
    'post /api/admin/rooms/{name}/kick',
    'get /api/admin/bans',
    'post /api/admin/bans',
    'delete /api/admin/bans/{user_id}',
    'delete /api/admin/chat/{id}',
    'get /api/admin/audit',
]

describe('OpenAPI document and docs', () => {
    let server: TestServer
    let doc: any
    before(async () => {
        server = await startTestServer()
        const res = await server.request('GET', '/api/openapi.json')
        assert.equal(res.status, 200)
        doc = res.body
    })
    after(() => server.close())

    test('validates as OpenAPI 3', async () => {
        assert.match(doc.openapi, /^3\./)
        const result = await new Validator().validate(doc)
        assert.deepEqual(result, { valid: true })
    })

    test('lists every API route (and nothing of /sonolus), each with responses and its input schemas', () => {
        const documented = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
            Object.keys(ops).map((method) => `${method} ${path}`),
        )
        assert.deepEqual([...documented].sort(), [...routes].sort())
        for (const route of routes) {
            const [method, path] = route.split(' ') as [string, string]
            const op = doc.paths[path][method]
            assert.ok(op.summary, `${route}: summary`)
            const statuses = Object.keys(op.responses)
            assert.ok(
                statuses.some((s) => /^2/.test(s)),
                `${route}: a success response`,
            )
            if (route !== 'get /api/openapi.json') assert.ok(statuses.includes('400') || statuses.includes('401'), `${route}: error responses`)
            for (const param of path.match(/\{(\w+)\}/g) ?? []) {
                assert.ok(
                    op.parameters?.some((p: any) => p.in === 'path' && `{${p.name}}` === param),
                    `${route}: ${param} declared`,
                )
            }
            if (method === 'post') assert.ok(op.requestBody?.content?.['application/json']?.schema, `${route}: body schema`)
        }
        const join = doc.paths['/api/join_room'].post
        assert.deepEqual(Object.keys(join.responses).sort(), ['200', '400', '401', '403', '404', '429'])
        assert.deepEqual(join.requestBody.content['application/json'].schema.required, ['name'])
    })

    test('interactive docs at /api/docs load only files served here', async () => {
        const page = await server.request('GET', '/api/docs')
        assert.equal(page.status, 200)
        assert.match(page.headers.get('content-type')!, /text\/html/)
        const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
        assert.ok(assets.some((a) => a.endsWith('swagger-ui-bundle.js')))
        for (const asset of assets) {
            assert.ok(asset.startsWith('/api/docs/'), `${asset} is served by this server`)
            const res = await fetch(server.origin + asset)
            assert.equal(res.status, 200, asset)
            await res.arrayBuffer() // read it, so the connection is free when the server closes
        }
        const init = await server.request('GET', '/api/docs/static/swagger-initializer.js')
        assert.match(init.text, /validatorUrl: null/)
        const spec = await server.request('GET', '/api/docs/json')
        assert.deepEqual(Object.keys(spec.body.paths).sort(), Object.keys(doc.paths).sort())
        assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /https:|upgrade-insecure/)
    })
})
