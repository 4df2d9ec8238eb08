// Development helper: signs request bodies the way the Sonolus app does, with a local key pair, so the
// signed endpoints can be tried by hand with curl against a server started with
// ENSEMBLE_SIGNATURE_PUBLIC_KEY set to this key. Never useful against a real deployment.
//
//   node dist/src/tools/dev-signer.js keygen                          → prints the public JWK (creates the key once)
//   node dist/src/tools/dev-signer.js body authenticateServer <address> [name]
//   node dist/src/tools/dev-signer.js body authenticateMultiplayer <address> <room> [name]
//   printf %s "$BODY" | node dist/src/tools/dev-signer.js sign         → the Sonolus-Signature value
// Options: --key <file> (default ./data/dev-signing-key.json), --id <user id>.
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { dirname, resolve } from 'node:path'

const args = process.argv.slice(2)
const option = (name: string, def: string): string => {
    const i = args.indexOf(name)
    if (i < 0) return def
    const value = args[i + 1] ?? def
    args.splice(i, 2)
    return value
}
const keyFile = resolve(option('--key', 'data/dev-signing-key.json'))
const userId = option('--id', '')

type KeyFile = { privateKeyPem: string; publicJwk: Record<string, unknown> }

function loadOrCreateKey(): KeyFile {
    if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as KeyFile
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const key: KeyFile = {
        privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    }
    mkdirSync(dirname(keyFile), { recursive: true })
    writeFileSync(keyFile, JSON.stringify(key, null, 2), { mode: 0o600 })
    return key
}

function profile(name: string) {
    const id = userId || createHash('sha256').update(name).digest('hex').slice(0, 32)
    return {
        id,
        handle: String(parseInt(id.slice(0, 4), 16) % 10000),
        name,
        avatarType: 'default',
        avatarForegroundType: 'player',
        avatarForegroundColor: '#ffffffff',
        avatarBackgroundType: 'default',
        avatarBackgroundColor: '#000020ff',
        bannerType: 'none',
        aboutMe: '',
        favorites: [],
    }
}

function main(): void {
    const [command, ...rest] = args
    switch (command) {
        case 'keygen': {
            process.stdout.write(JSON.stringify(loadOrCreateKey().publicJwk) + '\n')
            return
        }
        case 'body': {
            const [type, address, third, fourth] = rest
            if (type === 'authenticateServer' && address) {
                const body = { type, address, time: Date.now(), userProfile: profile(third ?? 'Dev Player') }
                process.stdout.write(JSON.stringify(body))
                return
            }
            if (type === 'authenticateMultiplayer' && address && third) {
                const body = { type, address, room: third, time: Date.now(), userProfile: profile(fourth ?? 'Dev Player') }
                process.stdout.write(JSON.stringify(body))
                return
            }
            break
        }
        case 'sign': {
            const body = readFileSync(0)
            const key = createPrivateKey(loadOrCreateKey().privateKeyPem)
            process.stdout.write(sign('sha256', body, { key, dsaEncoding: 'ieee-p1363' }).toString('base64'))
            return
        }
    }
    process.stderr.write(
        'usage: dev-signer keygen | body authenticateServer <address> [name] | body authenticateMultiplayer <address> <room> [name] | sign < body\n',
    )
    process.exit(2)
}

main()
