// The official @sonolus/core types Ensemble puts on the wire, as the roots of the generated JSON Schemas
// (schemas/generate.mjs). Not compiled by tsc: read only by the schema generator at build time.
import type { RoomItem, ServerItemList } from '@sonolus/core'

export type {
    Event,
    ServerAuthenticateResponse,
    ServerCreateRoomResponse,
    ServerInfo,
    ServerItemInfo,
    ServerJoinRoomResponse,
    ServerMessage,
} from '@sonolus/core'

/** GET /sonolus/rooms/list. */
export type RoomItemList = ServerItemList<RoomItem>
