// Schemas shared by the routes. Responses are declared too: Fastify serializes by them (unknown fields
// are dropped, so a schema is the exact shape clients get) and @fastify/swagger documents them.
import { Type, type TSchema } from '@sinclair/typebox'

export const ErrorBody = Type.Object({ error: Type.String() }, { $id: 'ApiError', description: 'Every failure: a fixed English text.' })

/** Error responses of a route, by status, all `{"error": "..."}`. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
    return Object.fromEntries(statuses.map((status) => [status, Type.Ref(ErrorBody.$id!)]))
}

/** Room names: what POST /api/rooms accepts for a chosen name, and what generated names look like. */
export const RoomNameParam = Type.String({ minLength: 1, maxLength: 64, description: 'Room name (its code), exactly.' })
export const RoomParams = Type.Object({ name: RoomNameParam })

/** OpenAPI security of routes that need a token. */
export const tokenSecurity = [{ token: [] }]

/**
 * A stored row's id in a path or a query: a positive integer that every store can hold. Without the
 * bound, 1e309 (Infinity) or 99999999999999999999 passed as an integer and PostgreSQL refused it (a 500).
 */
export const RowId = (options: { description?: string } = {}) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options })
