// Room bans held in memory beside the store. A kick's ban is written to the store without waiting for
// it; if that write fails, this copy still refuses the kicked player for the whole ban on this node.
export class BanList {
    /** `${room}\n${user}` → until (Unix ms). */
    private readonly bans = new Map<string, number>()

    add(roomName: string, userId: string, until: number): void {
        const key = `${roomName}\n${userId}`
        if ((this.bans.get(key) ?? -Infinity) < until) this.bans.set(key, until)
    }

    has(roomName: string, userId: string, now: number): boolean {
        const key = `${roomName}\n${userId}`
        const until = this.bans.get(key)
        if (until === undefined) return false
        if (until > now) return true
        this.bans.delete(key)
        return false
    }

    get size(): number {
        return this.bans.size
    }

    /** Forgets bans that are over. */
    sweep(now: number): void {
        for (const [key, until] of this.bans) if (until <= now) this.bans.delete(key)
    }
}
