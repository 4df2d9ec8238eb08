// Absolute public URLs, all built from ENSEMBLE_ADDRESS (what players reach), never from basePath (where
// this process serves): a proxy at https://example.com/ensemble may strip the prefix (basePath '') or keep
// it (basePath '/ensemble'); either way the public URL is the address plus the route.
import type { Config } from './config.js'

/**
 * `url` of a join answer: ws(s)://<host and path of the node hosting the room>/multiplayer/rooms/<name>.
 * The base is that node's public URL (ENSEMBLE_NODE_URL, by default the address).
 */
export function multiplayerUrl(nodeUrl: string, roomName: string): string {
    const ws = nodeUrl.replace(/^http/, 'ws')
    return `${ws}/multiplayer/rooms/${encodeURIComponent(roomName)}`
}

/** This node's own public base URL: ENSEMBLE_NODE_URL, else the address. */
export function ownUrl(config: Pick<Config, 'address' | 'nodeUrl'>): string {
    return config.nodeUrl ?? config.address
}

/** Absolute public http(s) URL of a server path such as '/sonolus/repository/banner'. */
export function publicUrl(config: Pick<Config, 'address'>, path: string): string {
    return `${config.address}${path}`
}
