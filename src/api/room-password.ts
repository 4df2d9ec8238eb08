// The one place the API asks whether a room password is right. Today it goes through the directory's
// private-room unlock (the Sonolus private search), so both share one wrong-password limiter and a right
// password unlocks the room in the app too. The directory is getting a per-room check
// (checkRoomPassword → ok | wrongPassword | tooManyAttempts with retryAfterMs); switching to it means
// changing this function only.
import type { Config } from '../config.js'
import type { RoomDirectory } from '../rooms/directory.js'
import type { RoomRecord } from '../store/store.js'

export type PasswordCheck = { status: 'ok' } | { status: 'wrongPassword' } | { status: 'tooManyAttempts'; retryAfterMs: number }

export async function checkRoomPassword(
    directory: RoomDirectory,
    config: Pick<Config, 'passwordAttemptWindowMs'>,
    userId: string,
    room: RoomRecord,
    password: string,
    now: number,
): Promise<PasswordCheck> {
    const result = await directory.unlock(userId, room.name, password, now)
    if (result.ok) {
        // unlock() also matches rooms by title; only this room's own password counts here.
        return result.rooms.some((r) => r.name === room.name) ? { status: 'ok' } : { status: 'wrongPassword' }
    }
    if (result.reason === 'wrongPassword') return { status: 'wrongPassword' }
    // unlock() does not say when the window frees up: the window's length is the longest wait.
    return { status: 'tooManyAttempts', retryAfterMs: config.passwordAttemptWindowMs }
}
