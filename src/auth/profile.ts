// ServiceUserProfile: both the shape of
// https://wiki.sonolus.com/custom-server-specs/misc/service-user-profile and the current
// @sonolus/core one are accepted. Only what Ensemble uses is checked (id, handle, name); the rest is kept
// as sent, because the signed body is relayed to other players byte for byte.
import { Type, type Static } from '@sinclair/typebox'

export const UserProfileSchema = Type.Object({
    id: Type.String({ minLength: 1, maxLength: 128 }),
    handle: Type.String({ maxLength: 64 }),
    name: Type.String({ maxLength: 128 }),
})

export type CheckedUserProfile = Static<typeof UserProfileSchema> & Record<string, unknown>

/** The three fields other layers rely on. */
export type UserRef = { id: string; handle: string; name: string }

export const userRef = (p: CheckedUserProfile): UserRef => ({ id: p.id, handle: p.handle, name: p.name })
