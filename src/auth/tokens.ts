// Opaque bearer tokens: 32 random bytes, base64url. Only their SHA-256 is stored, so a database leak does
// not hand out live sessions.
import { createHash, randomBytes } from 'node:crypto'

export const newToken = (): string => randomBytes(32).toString('base64url')

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url')

/** Cheap shape check before hashing whatever a client sent. */
export const looksLikeToken = (token: string): boolean => token.length >= 16 && token.length <= 128
