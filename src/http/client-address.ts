// The client address a connection or request is charged to, and the key it is counted under.
import { isIPv4, isIPv6 } from 'node:net'

/**
 * The peer's address, or behind a trusted proxy the client it forwarded: the leftmost X-Forwarded-For
 * entry, as Fastify's request.ip reads it with trustProxy: true (every hop trusted).
 */
export function clientAddress(remote: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
    if (trustProxy && forwardedFor !== undefined) {
        const first = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',')[0]!.trim()
        if (first) return first
    }
    return remote ?? ''
}

/**
 * The counting key of an address: an IPv4-mapped IPv6 address counts as its IPv4 address, and an IPv6
 * address as its /64 (one subscriber's network: a host may take any address in it at will).
 */
export function addressKey(address: string): string {
    const ip = address.replace(/%.*$/, '')
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
    if (mapped && isIPv4(mapped[1]!)) return mapped[1]!
    if (!isIPv6(ip)) return ip
    const groups = (part: string | undefined) => (part ? part.split(':') : [])
    const [head, tail] = ip.split('::') as [string, string | undefined]
    const width = (parts: string[]) => parts.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0)
    const all =
        tail === undefined
            ? groups(head)
            : [...groups(head), ...Array<string>(8 - width(groups(head)) - width(groups(tail))).fill('0'), ...groups(tail)]
    return `${all
        .slice(0, 4)
        .map((g) => parseInt(g, 16).toString(16))
        .join(':')}::/64`
}

/**
 * Is this address one the cap leaves alone? 'loopback' stands for 127.0.0.0/8 and ::1: a reverse proxy on
 * this machine that does not forward addresses would otherwise make every player one address.
 */
export function isExemptAddress(address: string, exempt: readonly string[]): boolean {
    if (!exempt.length) return false
    const ip = address.replace(/%.*$/, '').toLowerCase()
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1] ?? ip
    if (exempt.includes('loopback') && (v4.startsWith('127.') || v4 === '::1')) return true
    return exempt.includes(v4)
}
