// Real Ensemble servers with the WebSocket gateway attached, and real players connected to them with
// the client library (whose local model raises the app's fatal errors).
import assert from 'node:assert/strict'
import type { UpdateEvent } from '@sonolus/core'
import { RoomClient } from '../../client/index.js'
import type { Config } from '../../src/config.js'
import { attachMultiplayer, type MultiplayerAttachment } from '../../src/transport/attach.js'
import { checkFrame } from '../schema/validate.js'
import { makeProfile, type TestProfile } from './profiles.js'
import { roomUserChecker } from './room-user.js'
import { startTestServer, type TestServer, type TestServerOptions } from './server.js'
import { createAndJoin, join, signedAuthenticate } from './sonolus.js'

// Tests that drive players mostly pick levels too.
export { level } from './gameplay.js'

export type MultiplayerServer = TestServer & { multiplayer: MultiplayerAttachment }

export async function startMultiplayerServer(
    config: Partial<Config> = {},
    options: Pick<TestServerOptions, 'dataDir' | 'store'> = {},
): Promise<MultiplayerServer> {
    let multiplayer: MultiplayerAttachment | undefined
    const server = await startTestServer({
        config,
        dataDir: options.dataDir,
        store: options.store,
        attach: (ctx) => (multiplayer = attachMultiplayer(ctx)),
    })
    return Object.assign(server, { multiplayer: multiplayer! })
}

export type Player = { profile: TestProfile; session: string; client: RoomClient }

/** Frames checked against the official schemas by clients of `connect` in this process. */
export const wireCheck = { frames: 0 }

/**
 * Connects a RoomClient whose every frame is first checked as a strict client reads it (text, JSON, an
 * event of the official types: test/schema/validate.ts); a bad frame is the client's fatal error.
 */
export async function connect(
    server: TestServer,
    roomName: string,
    answer: { url: string; type: 'round'; session: string },
    profile: TestProfile,
): Promise<RoomClient> {
    const client = await RoomClient.connect(answer, {
        userId: profile.id,
        // Tests look back over a whole run's events; a bot would keep the default.
        maxEvents: 100_000,
        verifyUser: roomUserChecker({ now: server.clock.now, address: server.config.address, room: roomName, publicKey: server.keys.publicKey }),
        onFrame: (data, isBinary) => {
            checkFrame(data, isBinary)
            wireCheck.frames++
        },
    })
    return client
}

/** Signs in, joins over HTTP and connects; resolves once the first UpdateEvent arrived. */
export async function joinPlayer(server: TestServer, roomName: string, name: string, profile?: TestProfile): Promise<Player> {
    const signedIn = await signedAuthenticate(server, profile ?? makeProfile(name))
    const answer = await join(server, roomName, signedIn.profile, { session: signedIn.session })
    const client = await connect(server, roomName, answer, signedIn.profile)
    await client.nextOf('update')
    return { profile: signedIn.profile, session: signedIn.session, client }
}

/** Creates a room and connects its creator (master and lead). */
export async function hostRoom(server: TestServer, params: Record<string, string | number | boolean> = {}): Promise<Player & { name: string }> {
    const created = await createAndJoin(server, { params })
    const client = await connect(server, created.name, created.answer, created.profile)
    await client.nextOf('update')
    return { profile: created.profile, session: created.session, client, name: created.name }
}

/**
 * Waits until every client's model equals a fresh UpdateEvent of the room, and fails with the first
 * difference if that does not happen in time (or a client model raised a fatal error).
 */
export async function converge(server: MultiplayerServer, roomName: string, clients: RoomClient[], timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
        const expected = freshView(server, roomName)
        let mismatch: string | undefined
        for (const client of clients) {
            if (client.fatal) throw client.fatal
            if (client.model.phase === 'suspended') continue // in gameplay: ignores events by design
            try {
                assert.deepStrictEqual(client.model.view, expected)
            } catch (error) {
                const room = server.multiplayer.hub.get(roomName)
                const pending = room?.engine.pendingCorrections.has(client.userId) ? ', correction pending' : ''
                const last = client.received
                    .slice(-3)
                    .map((e) => e.type)
                    .join(', ')
                mismatch = `${client.userId} (${client.model.phase}${pending}; last events: ${last}): ${(error as Error).message}`
                break
            }
        }
        if (!mismatch) return
        if (Date.now() > deadline) throw new Error(`clients did not converge: ${mismatch}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
    }
}

/** The view a fresh UpdateEvent would carry now. */
export function freshView(server: MultiplayerServer, roomName: string): Omit<UpdateEvent, 'type'> {
    const room = server.multiplayer.hub.get(roomName)
    if (!room) throw new Error(`room ${roomName} is not live`)
    const { type: _type, ...view } = room.snapshot()
    return view
}
