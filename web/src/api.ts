// The REST API as the page uses it: relative URLs (under <base href>), the session cookie, and the CSRF
// header on every state-changing request.
export class ApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message)
    }
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (method !== 'GET') headers['x-ensemble-csrf'] = '1'
    if (body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
    const text = await response.text()
    const data = text ? JSON.parse(text) : undefined
    if (!response.ok) throw new ApiError(response.status, data?.error ?? data?.message ?? response.statusText)
    return data as T
}

export type Level = { name: string; address?: string } | null
export type Status = 'selecting' | 'preparing' | 'playing'
export type RoomSummary = {
    room_name: string
    title: string
    private: boolean
    status: Status
    level: Level
    players: number
    max_players: number
    creator_name: string | null
    master_name: string | null
}
export type Person = { id: string; handle: string; name: string }
export type RoomDetails = RoomSummary & {
    closed: boolean
    master: Person | null
    players: Person[]
    player_statuses: { user_id: string; status: string }[]
    capacity: { max_players: number; players: number }
}
export type User = { id: string; handle: string; name: string }
export type ScoreSection = { title: string; scores: { user_id: string; name: string | null; value: string }[] }
export type FeedEvent = { type: string; at: number; [key: string]: any }

export const roomPath = (name: string) => `api/rooms/${encodeURIComponent(name)}`
