// The one place the API asks whether a room password is right: the directory's checkRoomPassword, the
// same limiter and scrypt bound as the Sonolus private search, and a right password unlocks the room in
// the app too.
import type { RoomDirectory } from '../rooms/directory.js'
import type { RoomRecord } from '../store/store.js'

export type PasswordCheck =
    | { status: 'ok' }
    | { status: 'wrongPassword' }
    | { status: 'roomNotFound' }
    /** Over the wrong-password limit: retry after the oldest counted attempt leaves the window. */
    | { status: 'tooManyAttempts'; retryAfterMs: number }
    /** A check of this player's is still running, or every scrypt slot is taken: nothing was counted. */
    | { status: 'busy' }

export async function checkRoomPassword(
    directory: RoomDirectory,
    userId: string,
    room: RoomRecord,
    password: string,
    now: number,
): Promise<PasswordCheck> {
    const result = await directory.checkRoomPassword(userId, room.name, password, now)
    if (result.ok) return { status: 'ok' }
    switch (result.reason) {
        case 'wrongPassword':
        case 'roomNotFound':
            return { status: result.reason }
        case 'tooManyAttempts':
            return { status: 'tooManyAttempts', retryAfterMs: result.retryAfterMs }
        default:
            return { status: 'busy' }
    }
}
