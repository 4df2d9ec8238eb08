// A bare `ws` client that reads the room as a strict Sonolus app would: every frame must be a UTF-8
// text frame holding one JSON event whose `type` is one of the spec's event types and which matches
// the official schema of that type; then the client's own room model (room-model.ts) applies it. The
// first problem is kept in `problem` and fails every wait. Commands are written by hand from the
// round-multiplayer command definitions, not from the server's code.
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto'
import { WebSocket } from 'ws'
import { checkFrame } from '../schema/validate.js'
import { RoomModel } from './room-model.js'

/** The event types the round-multiplayer protocol defines, written out by hand. */
export const specEventTypes: readonly string[] = [
    'addChatMessage',
    'addResult',
    'addSuggestion',
    'addUser',
    'arrangeScoreboardSectionScores',
    'clearSuggestions',
    'insertScoreboardSection',
    'insertScoreboardSectionScore',
    'mergeScoreboardSectionScores',
    'moveScoreboardSection',
    'moveScoreboardSectionScore',
    'removeScoreboardSection',
    'removeScoreboardSectionScore',
    'removeSuggestion',
    'removeUser',
    'startRound',
    'swapScoreboardSectionScores',
    'swapScoreboardSections',
    'swapSuggestions',
    'updateAutoExit',
    'update',
    'updateIsSuggestionsLocked',
    'updateLead',
    'updateLevel',
    'updateLevelOption',
    'updateLevelOptions',
    'updateMaster',
    'updateOptionValues',
    'updateOptions',
    'updateScoreboardDescription',
    'updateScoreboardSection',
    'updateScoreboardSectionIcon',
    'updateScoreboardSectionScores',
    'updateScoreboardSectionScoresValue',
    'updateScoreboardSectionTitle',
    'updateScoreboardSections',
    'updateStatus',
    'updateSuggestions',
    'updateTitle',
    'updateUserStatus',
    'updateUserStatuses',
    'updateUsers',
]

export type WireEvent = { type: string } & Record<string, any>

/**
 * The app's checks of a RoomUser (as the round-multiplayer protocol defines RoomUser): the signature matches the
 * authentication, which names this server's address and this room and is under 24 hours old. Returns
 * the user's id from the signed profile.
 */
export function roomUserReader(
    publicJwk: JsonWebKey,
    address: string,
    room: string,
): (user: { authentication: string; signature: string }) => string {
    const key = createPublicKey({ key: publicJwk, format: 'jwk' })
    return (user) => {
        const body = Buffer.from(user.authentication, 'base64')
        if (!verify('sha256', body, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(user.signature, 'base64'))) {
            throw new Error('RoomUser: signature does not match authentication')
        }
        const request = JSON.parse(body.toString('utf8')) as {
            type: string
            address: string
            room: string
            time: number
            userProfile: { id: string }
        }
        if (request.type !== 'authenticateMultiplayer') throw new Error(`RoomUser: authentication of type ${request.type}`)
        if (request.address !== address) throw new Error(`RoomUser: address ${request.address} does not match`)
        if (request.room !== room) throw new Error(`RoomUser: room ${request.room} does not match`)
        if (Date.now() - request.time > 24 * 60 * 60 * 1000) throw new Error('RoomUser: authentication older than 24 hours')
        return request.userProfile.id
    }
}

type Waiter = { predicate: (event: WireEvent) => boolean; resolve: (event: WireEvent) => void; reject: (error: Error) => void }

export class WireClient {
    /** Every event received, in order. */
    readonly events: WireEvent[] = []
    /** Text frames received and checked. */
    frames = 0
    /** The first wire, schema or model problem; fails every wait. */
    problem: Error | undefined
    closedWith: { code: number; reason: string } | undefined
    readonly closed: Promise<{ code: number; reason: string }>
    private cursor = 0
    private readonly waiters = new Set<Waiter>()

    private constructor(
        readonly name: string,
        readonly userId: string,
        readonly model: RoomModel,
        private readonly ws: WebSocket,
    ) {
        ws.on('message', (data, isBinary) => this.onFrame(data as Buffer, isBinary))
        this.closed = new Promise((resolve) =>
            ws.on('close', (code, reason) => {
                this.closedWith = { code, reason: reason.toString() }
                for (const waiter of this.waiters) waiter.reject(new Error(`${name}: socket closed ${code} ${reason.toString()}`))
                this.waiters.clear()
                resolve(this.closedWith)
            }),
        )
    }

    /** Opens the join answer's url with Sonolus-Room-Session, as the app does. */
    static connect(
        name: string,
        answer: { url: string; session: string },
        userId: string,
        readUser: (user: { authentication: string; signature: string }) => string,
    ): Promise<WireClient> {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(answer.url, { headers: { 'Sonolus-Room-Session': answer.session }, perMessageDeflate: false })
            const client = new WireClient(name, userId, new RoomModel(userId, readUser), ws)
            ws.once('open', () => resolve(client))
            ws.once('unexpected-response', (_req, res) => {
                reject(new Error(`${name}: upgrade refused with HTTP ${res.statusCode}`))
                ws.terminate()
            })
            ws.once('error', reject)
        })
    }

    send(command: { type: string } & Record<string, unknown>): void {
        this.ws.send(JSON.stringify(command))
    }

    /** The first event from the cursor on that matches; earlier ones count as read. */
    next(predicate: (event: WireEvent) => boolean, what = 'an event', timeoutMs = 5000): Promise<WireEvent> {
        return new Promise((resolve, reject) => {
            if (this.problem) return reject(this.problem)
            while (this.cursor < this.events.length) {
                const event = this.events[this.cursor++]!
                if (predicate(event)) return resolve(event)
            }
            if (this.closedWith) return reject(new Error(`${this.name}: socket closed ${this.closedWith.code} while waiting for ${what}`))
            const timer = setTimeout(() => {
                this.waiters.delete(waiter)
                const last = this.events
                    .slice(-5)
                    .map((e) => e.type)
                    .join(', ')
                reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms (last events: ${last})`))
            }, timeoutMs)
            const waiter: Waiter = {
                predicate,
                resolve: (event) => (clearTimeout(timer), resolve(event)),
                reject: (error) => (clearTimeout(timer), reject(error)),
            }
            this.waiters.add(waiter)
        })
    }

    nextOf(type: string, timeoutMs?: number): Promise<WireEvent> {
        return this.next((event) => event.type === type, type, timeoutMs)
    }

    /** Events of `type` received so far (read or not). */
    all(type: string): WireEvent[] {
        return this.events.filter((e) => e.type === type)
    }

    /** Closes normally (1000: the player leaves). */
    close(): Promise<unknown> {
        if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000)
        return this.closed
    }

    /** Drops the connection with no close handshake, as a lost network does. */
    drop(): Promise<unknown> {
        this.ws.terminate()
        return this.closed
    }

    private onFrame(data: Buffer, isBinary: boolean): void {
        if (this.problem) return
        let event: WireEvent
        try {
            event = checkFrame(data, isBinary)
            if (!specEventTypes.includes(event.type)) throw new Error(`type ${event.type} is not an event type of the spec`)
            this.frames++
            this.model.receive(event)
        } catch (error) {
            this.problem = new Error(`${this.name}: ${(error as Error).message}`)
            for (const waiter of this.waiters) waiter.reject(this.problem)
            this.waiters.clear()
            return
        }
        this.events.push(event)
        if (this.waiters.size > 0) this.cursor = this.events.length
        for (const waiter of [...this.waiters]) {
            if (waiter.predicate(event)) {
                this.waiters.delete(waiter)
                waiter.resolve(event)
            }
        }
    }
}
