// The bytes of an event as it goes to players (JSON text). A RoomUser (the signed profile and join of one
// player, about 1.5 KB) is written into every UpdateEvent a joiner gets and into the AddUserEvent the others
// get, so a join into a room of n players serialized n RoomUsers again. Each RoomUser is serialized once
// instead and its bytes reused: the engine never changes one in place (a changed RoomUser is a new
// object), so the bytes stay true for as long as the object lives.
import type { Event, RoomUser } from '@sonolus/core'

const userBytes = new WeakMap<RoomUser, Buffer>()

function bytesOf(user: RoomUser): Buffer {
    let bytes = userBytes.get(user)
    if (!bytes) userBytes.set(user, (bytes = Buffer.from(JSON.stringify(user))))
    return bytes
}

const comma = Buffer.from(',')
const closeUsers = Buffer.from(']}')
const closeEvent = Buffer.from('}')

/** The event as one JSON text, the same value JSON.stringify(event) would give. */
export function eventFrame(event: Event): Buffer {
    if (event.type === 'update') {
        // `users` goes last, so the text before it ends with `"users":[` and only `]}` follows.
        const { users, ...rest } = event
        const head = JSON.stringify({ ...rest, users: [] })
        const parts: Buffer[] = [Buffer.from(head.slice(0, -2))]
        users.forEach((user, i) => {
            if (i > 0) parts.push(comma)
            parts.push(bytesOf(user))
        })
        parts.push(closeUsers)
        return Buffer.concat(parts)
    }
    if (event.type === 'addUser') {
        // `user` goes last: the text ends with `"user":null}`, and the user's bytes take the place of null.
        const { user, ...rest } = event
        const head = JSON.stringify({ ...rest, user: null })
        return Buffer.concat([Buffer.from(head.slice(0, -5)), bytesOf(user), closeEvent])
    }
    return Buffer.from(JSON.stringify(event))
}
