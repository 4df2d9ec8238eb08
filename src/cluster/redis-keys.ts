// Names of the keys and channels the Redis cluster uses, all under one prefix (tests use a random one).
export type ClusterKeys = ReturnType<typeof clusterKeys>

export function clusterKeys(prefix: string) {
    return {
        /** Sorted set: node id -> time of its last heartbeat (Redis server time, ms). */
        nodes: `${prefix}nodes`,
        /** Hash: node id -> NodeInfo JSON. */
        nodeInfo: `${prefix}node-info`,
        /** Hash of one node's live rooms: room name -> PublishedRoom JSON. */
        roomsPrefix: `${prefix}rooms:`,
        rooms: (node: string) => `${prefix}rooms:${node}`,
        /** Sequence number of one node's last directory write (orders a resync against pub/sub updates). */
        roomsSeqPrefix: `${prefix}rooms-seq:`,
        roomsSeq: (node: string) => `${prefix}rooms-seq:${node}`,
        /** Sorted set of one counter key's attempts: member unique per attempt, score = its time. */
        attempts: (name: string, key: string) => `${prefix}attempts:${name}:${key}`,
        /** Channel of directory updates (every node's writes, and nodes found dead). */
        directoryChannel: `${prefix}directory`,
        /** Channel of the requests addressed to a node, and of the answers it receives. */
        requestChannel: (node: string) => `${prefix}request:${node}`,
        replyChannel: (node: string) => `${prefix}reply:${node}`,
        /** Channel of a room's feed entries. */
        feedChannel: (room: string) => `${prefix}feed:${room}`,
    }
}
