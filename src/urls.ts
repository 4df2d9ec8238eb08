// Absolute public URLs, all built from ENSEMBLE_ADDRESS (what players reach), never from basePath (where
// this process serves): a proxy at https://example.com/ensemble may strip the prefix (basePath '') or keep
// it (basePath '/ensemble'); either way the public URL is the address plus the route.
import type { Config } from './config.js'

/** `url` of a join answer: ws(s)://<address host and path>/multiplayer/rooms/<name>. */
export function multiplayerUrl(config: Pick<Config, 'address'>, roomName: string): string {
    const ws = config.address.replace(/^http/, 'ws')
    return `${ws}/multiplayer/rooms/${encodeURIComponent(roomName)}`
}

/** Absolute public http(s) URL of a server path such as '/sonolus/repository/banner'. */
export function publicUrl(config: Pick<Config, 'address'>, path: string): string {
    return `${config.address}${path}`
}
