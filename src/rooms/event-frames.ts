// The bytes of an event as it goes to players (JSON text). A RoomUser (the signed profile and join of one
// player, about 1.5 KB of base64) is written into every UpdateEvent a joiner gets and into the
// AddUserEvent the others get, so a join into a room of n players serialized n RoomUsers again, into a
// string that was then copied into a Buffer. Here the RoomUsers are written straight into the frame's
// Buffer: their two fields are base64, which JSON needs no escape for, so the text is the fields' own
// characters. Nothing is cached per player (a cached copy of every RoomUser cost more memory per idle
// player than the whole rest of a seat); a RoomUser of another shape goes through JSON.stringify.
import type { Event, RoomUser } from '@sonolus/core'

const base64 = /^[A-Za-z0-9+/=]*$/
/** RoomUsers already seen to be exactly two base64 strings (the engine never changes one in place). */
const plain = new WeakSet<RoomUser>()

function isPlain(user: RoomUser): boolean {
    if (plain.has(user)) return true
    const ok =
        Object.keys(user).length === 2 &&
        typeof user.authentication === 'string' &&
        typeof user.signature === 'string' &&
        base64.test(user.authentication) &&
        base64.test(user.signature)
    if (ok) plain.add(user)
    return ok
}

const open = '{"authentication":"'
const middle = '","signature":"'
const close = '"}'

/** `head`, then the users' JSON texts separated by commas, then `tail`, in one Buffer. */
function withUsers(head: string, users: readonly RoomUser[], tail: string): Buffer {
    const texts = users.map((user) => (isPlain(user) ? undefined : JSON.stringify(user)))
    let length = Buffer.byteLength(head) + tail.length + Math.max(0, users.length - 1)
    users.forEach((user, i) => {
        const text = texts[i]
        length +=
            text === undefined
                ? open.length + user.authentication.length + middle.length + user.signature.length + close.length
                : Buffer.byteLength(text)
    })
    const out = Buffer.allocUnsafe(length)
    let at = out.write(head, 0)
    users.forEach((user, i) => {
        if (i > 0) at += out.write(',', at, 'latin1')
        const text = texts[i]
        if (text !== undefined) {
            at += out.write(text, at)
            return
        }
        at += out.write(open, at, 'latin1')
        at += out.write(user.authentication, at, 'latin1')
        at += out.write(middle, at, 'latin1')
        at += out.write(user.signature, at, 'latin1')
        at += out.write(close, at, 'latin1')
    })
    out.write(tail, at, 'latin1')
    return out
}

/** The event as one JSON text, the same value JSON.stringify(event) would give. */
export function eventFrame(event: Event): Buffer {
    if (event.type === 'update') {
        // `users` goes last, so the text ends with `"users":[]}`: the users go between the brackets.
        const { users, ...rest } = event
        return withUsers(JSON.stringify({ ...rest, users: [] }).slice(0, -2), users, ']}')
    }
    if (event.type === 'addUser') {
        // `user` goes last: the text ends with `"user":null}`, and the user takes the place of null.
        const { user, ...rest } = event
        return withUsers(JSON.stringify({ ...rest, user: null }).slice(0, -5), [user], '}')
    }
    return Buffer.from(JSON.stringify(event))
}
