// Baseline for the fan-out benchmark: a bare `ws` server that sends every message it receives, as is,
// to every connected client (the least work a broadcast can do).
import { WebSocketServer, type WebSocket } from 'ws'

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
const clients = new Set<WebSocket>()
wss.on('connection', (ws) => {
    clients.add(ws)
    ws.on('close', () => clients.delete(ws))
    ws.on('message', (data, isBinary) => {
        for (const client of clients) client.send(data, { binary: isBinary })
    })
})
wss.on('listening', () => {
    const address = wss.address()
    if (address && typeof address === 'object') console.log(`READY ${JSON.stringify({ port: address.port })}`)
})
process.on('SIGTERM', () => process.exit(0))
