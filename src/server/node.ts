/**
 * `node:http` adapter: `http.createServer(toNodeHandler(createProxy({ writeKey })))`, or one route of an
 * existing server (`if (req.url.startsWith('/uf/')) return proxy(req, res)`). It turns the
 * IncomingMessage into a Request (the body streamed, so the handler's cap holds), remembers the
 * socket's address for the default `clientAddress`, and writes the Response back. It imports
 * nothing from Node, so this module loads in edge runtimes too (they never call it).
 */
import { rememberSocketAddress } from './address.js'
import type { ProxyHandler } from './types.js'

/**
 * What the adapter uses of node:http's IncomingMessage, written out so that these types need no
 * @types/node (an edge project may not have it); an IncomingMessage is one.
 */
export interface NodeRequest extends AsyncIterable<Uint8Array | string> {
  url?: string | undefined
  method?: string | undefined
  headers: Record<string, string | string[] | undefined>
  socket: { remoteAddress?: string | undefined; encrypted?: boolean }
  pause(): unknown
}

/** What the adapter uses of node:http's ServerResponse. */
export interface NodeResponse {
  headersSent: boolean
  writeHead(status: number, headers: Record<string, string | string[]>): NodeResponse
  end(body?: Uint8Array | string): unknown
  destroy(): unknown
}

/** A `node:http` request listener (also an Express or Connect middleware's first two arguments). */
export type NodeHandler = (req: NodeRequest, res: NodeResponse) => Promise<void>

/** The request's body as a web stream, read only as the handler pulls it. */
function bodyOf(req: NodeRequest): ReadableStream<Uint8Array> {
  const chunks = req[Symbol.asyncIterator]()
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await chunks.next()
      done ? controller.close() : controller.enqueue(typeof value == 'string' ? new TextEncoder().encode(value) : new Uint8Array(value))
    },
    // Left unread (a refusal): no more is read; the answer closes the connection (Connection: close).
    cancel: () => void req.pause(),
  })
}

export function toNodeHandler(handler: ProxyHandler): NodeHandler {
  return async (req, res) => {
    try {
      // The Host header only serves to build a URL the handler can parse; the path is what routes.
      let url: URL
      try {
        url = new URL(req.url || '/', `${req.socket.encrypted ? 'https' : 'http'}://${String(req.headers.host || 'localhost')}`)
      } catch {
        url = new URL(req.url?.startsWith('/') ? req.url : '/', 'http://localhost')
      }
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
      }
      const method = req.method || 'GET'
      const hasBody = method != 'GET' && method != 'HEAD'
      const request = new Request(url, { method, headers, ...(hasBody ? { body: bodyOf(req), duplex: 'half' } : {}) } as RequestInit)
      rememberSocketAddress(request, req.socket.remoteAddress)
      const response = await handler(request)
      // Null prototype: header names are data, not keys that could reach Object.prototype.
      const out: Record<string, string | string[]> = Object.create(null)
      response.headers.forEach((value, name) => {
        if (name != 'set-cookie') out[name] = value
      })
      const cookies = response.headers.getSetCookie()
      if (cookies.length) out['set-cookie'] = cookies
      const body = response.body ? new Uint8Array(await response.arrayBuffer()) : undefined
      res.writeHead(response.status, out).end(body)
    } catch (error) {
      console.error('userflux-snippet/server: toNodeHandler failed', error)
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal_error","message":"The proxy failed to handle the request."}')
      else res.destroy()
    }
  }
}
