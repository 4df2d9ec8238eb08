// Several nodes: what the room directory knows of live rooms is this node's hub for its own rooms (exact,
// at once) and the cluster's shared directory for the rooms of the other nodes (a moment old).
import type { Cluster } from '../cluster/cluster.js'
import type { LiveRoomSource } from './live-info.js'

export function sharedLiveSource(local: LiveRoomSource, cluster: Pick<Cluster, 'rooms' | 'nodes'>): LiveRoomSource {
    const selfId = cluster.nodes.selfId
    const remote = (name: string) => {
        const room = cluster.rooms.get(name)
        return room && room.node !== selfId ? room : undefined
    }
    return {
        info: (name) => local.info(name) ?? remote(name),
        *entries() {
            yield* local.entries()
            for (const entry of cluster.rooms.entries()) if (entry[1].node !== selfId) yield entry
        },
        isMember: (name, userId) => local.isMember(name, userId) || (remote(name)?.members.includes(userId) ?? false),
        // Kicks' bans held in memory are the hosting node's; the store has them for every node.
        isBanned: (name, userId, now) => local.isBanned(name, userId, now),
    }
}
