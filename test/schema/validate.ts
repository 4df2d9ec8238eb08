// The one place tests check what Ensemble puts on the wire against the official Sonolus types: JSON
// Schemas generated at build time from @sonolus/core's declarations (schemas/generate.mjs, written to
// dist/schemas/sonolus.json) and tightened where the spec texts say more. Imports nothing from src/ or
// client/, so the wire suite can use it and stay independent of the server's code.
import { readFileSync } from 'node:fs'
import { Ajv, type ValidateFunction } from 'ajv'

type Generated = {
    roots: string[]
    /** Event `type` → definition name, from the members of @sonolus/core's `Event` union. */
    events: Record<string, string>
    tightened: string[]
    definitions: Record<string, object>
}

// dist/test/schema/validate.js → dist/schemas/sonolus.json
const generated = JSON.parse(readFileSync(new URL('../../schemas/sonolus.json', import.meta.url), 'utf8')) as Generated

const ajv = new Ajv({ allErrors: true, strict: true })
ajv.addSchema({ $id: 'sonolus', definitions: generated.definitions })

const compiled = new Map<string, ValidateFunction>()
const validator = (definition: string): ValidateFunction => {
    let validate = compiled.get(definition)
    if (!validate) {
        validate = ajv.getSchema(`sonolus#/definitions/${encodeURIComponent(definition)}`)
        if (!validate) throw new Error(`no generated schema for ${definition}`)
        compiled.set(definition, validate)
    }
    return validate
}

/** Event types of @sonolus/core's `Event` union, as generated. */
export const officialEventTypes: readonly string[] = Object.keys(generated.events)
/** What the overlay tightened, for reports. */
export const tightenings: readonly string[] = generated.tightened

/** Problems of `value` against the named definition, or null when it is valid. */
export function validateAgainst(definition: string, value: unknown): string | null {
    const validate = validator(definition)
    if (validate(value)) return null
    return ajv.errorsText(validate.errors, { dataVar: definition, separator: '; ' })
}

/** Problems of a parsed event against the schema of its own type, or null. */
export function validateEvent(event: unknown): string | null {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'event is not a JSON object'
    const type = (event as { type?: unknown }).type
    const definition = typeof type === 'string' && Object.hasOwn(generated.events, type) ? generated.events[type] : undefined
    if (!definition) return `unknown event type ${JSON.stringify(type)}`
    return validateAgainst(definition, event)
}

export class WireError extends Error {
    override name = 'WireError'
}

/**
 * Checks one received WebSocket frame the way a strict Sonolus client reads it: a UTF-8 text frame
 * holding one JSON event that matches its schema. Returns the event; throws a WireError otherwise.
 */
export function checkFrame(data: Buffer | ArrayBuffer | Buffer[] | string, isBinary: boolean): { type: string } & Record<string, unknown> {
    const text =
        typeof data === 'string'
            ? data
            : Buffer.isBuffer(data)
              ? data.toString('utf8')
              : Array.isArray(data)
                ? Buffer.concat(data).toString('utf8')
                : Buffer.from(data).toString('utf8')
    if (isBinary) throw new WireError(`binary frame (events must be text frames): ${text.slice(0, 120)}`)
    let event: unknown
    try {
        event = JSON.parse(text)
    } catch {
        throw new WireError(`frame is not JSON: ${text.slice(0, 120)}`)
    }
    const problem = validateEvent(event)
    if (problem) throw new WireError(`${problem}: ${text.slice(0, 300)}`)
    return event as { type: string } & Record<string, unknown>
}

/** The schema of each Sonolus endpoint's 200 answer, by method and path (under <base path>/sonolus). */
const endpoints: { method: string; path: RegExp; definition: string }[] = [
    { method: 'GET', path: /^\/sonolus\/info$/, definition: 'ServerInfo' },
    { method: 'POST', path: /^\/sonolus\/authenticate$/, definition: 'ServerAuthenticateResponse' },
    { method: 'GET', path: /^\/sonolus\/rooms\/info$/, definition: 'ServerItemInfo' },
    { method: 'GET', path: /^\/sonolus\/rooms\/list$/, definition: 'RoomItemList' },
    { method: 'POST', path: /^\/sonolus\/rooms\/create$/, definition: 'ServerCreateRoomResponse' },
    { method: 'POST', path: /^\/sonolus\/rooms\/[^/]+$/, definition: 'ServerJoinRoomResponse' },
]

/**
 * Problems of a Sonolus HTTP answer, or null: a 200 must match its endpoint's type, any other status
 * carries a ServerMessage. Paths outside /sonolus/ (REST API, health) and the files served under
 * /sonolus/repository/ are not Sonolus JSON and are not checked (undefined).
 */
export function validateSonolusAnswer(method: string, path: string, status: number, text: string): string | null | undefined {
    if (!path.startsWith('/sonolus/')) return undefined
    if (path.startsWith('/sonolus/repository/') && status === 200) return undefined
    let body: unknown
    try {
        body = JSON.parse(text)
    } catch {
        return `${method} ${path} ${status}: body is not JSON: ${text.slice(0, 120)}`
    }
    let definition = 'ServerMessage'
    if (status === 200) {
        const endpoint = endpoints.find((e) => e.method === method.toUpperCase() && e.path.test(path))
        if (!endpoint) return `${method} ${path} answered 200 but is not a Sonolus endpoint Ensemble serves`
        definition = endpoint.definition
    }
    const problem = validateAgainst(definition, body)
    return problem && `${method} ${path} ${status}: ${problem}: ${text.slice(0, 300)}`
}
