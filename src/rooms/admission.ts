// Who may take a seat in a room. One check serves the directory (before a join is handed out) and the
// hub of live rooms (when the socket arrives), so the two cannot disagree on bans or capacity.
import type { JoinTicket } from '../auth/join-sessions.js'
import type { Admission, LiveRoom } from './live-room.js'

/** Why a player is refused a seat in a room that exists. */
export type SeatRefusal = 'roomBanned' | 'roomLocked' | 'roomFull'

export type SeatQuestion = {
    /** Already in the room: a member coming back keeps their seat, even when the room is full. */
    member: boolean
    playerCount: number
    maxPlayers: number
    isBanned(): boolean | Promise<boolean>
    /** Whether the player may see the room (private rooms); absent: everyone may. */
    canSee?(): boolean | Promise<boolean>
}

/** Banned first, then hidden, then full; undefined when the player may take a seat. */
export async function checkSeat(q: SeatQuestion): Promise<SeatRefusal | undefined> {
    if (q.member) return undefined
    if (await q.isBanned()) return 'roomBanned'
    if (q.canSee && !(await q.canSee())) return 'roomLocked'
    if (q.playerCount >= q.maxPlayers) return 'roomFull'
    return undefined
}

/** An admission: what was admitted to, or why not (a localization key each surface answers in its own form). */
export type AdmitResult<T, R extends string> = ({ ok: true } & T) | { ok: false; reason: R }

/** Admits a player whose join session was just spent into the live room it names (the WebSocket gateway). */
export interface RoomAdmitter {
    admit(ticket: JoinTicket): Promise<AdmitResult<{ room: LiveRoom; admission: Admission }, 'roomNotFound' | SeatRefusal>>
}
