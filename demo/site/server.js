/**
 * The demo website: a page with the script tag, a page with the ESM import, and a proxy that reads
 * stored profiles from the Integration API with the Read + Write key, so that key never reaches a
 * browser. It runs on its own port, another origin than the API, as a real site would.
 */
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { listen } from '../listen.js'
import { IMPORT_MAP_HASH, indexPage, scriptTagPage, spaPage } from './pages.js'
import { readStatic, resolveStatic, vendorDirs } from './static.js'

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url))
const DEFAULT_DIST = fileURLToPath(new URL('../../dist/', import.meta.url))

/**
 * @typedef {object} DemoServerOptions
 * @property {string} apiUrl base URL of the Integration API the pages send to
 * @property {string} [writeKey] the Write Only key, written into the pages. Default 'demo-write-key'
 * @property {string} [readWriteKey] the Read + Write key, used only by the server's profile proxy. Default 'demo-read-write-key'
 * @property {string} [distDir] where the builds are. Default the repository's dist/
 */

/**
 * @param {DemoServerOptions} options
 * @returns {{ server: import('node:http').Server, listen: (port?: number, host?: string) => Promise<{ port: number, url: string }>, close: () => Promise<void> }}
 */
export function createDemoServer({ apiUrl, writeKey = 'demo-write-key', readWriteKey = 'demo-read-write-key', distDir = DEFAULT_DIST }) {
  if (!apiUrl) throw new TypeError('createDemoServer: apiUrl is required')
  const endpoint = apiUrl.replace(/\/+$/, '')
  const vendor = vendorDirs()
  const mounts = { '/dist/': distDir, '/vendor/ky/': vendor.ky, '/vendor/nanoid/': vendor.nanoid, '/': PUBLIC_DIR }
  const pages = {
    '/': () => indexPage(),
    '/index.html': () => indexPage(),
    '/script-tag.html': () => scriptTagPage({ apiUrl: endpoint, writeKey }),
    '/spa.html': () => spaPage({ apiUrl: endpoint, writeKey }),
  }
  const headers = {
    // No inline script and no eval: the snippet must work under a strict policy. The import map is
    // the one inline script, allowed by its hash. connect-src names the API's origin only.
    'Content-Security-Policy': `default-src 'self'; script-src 'self' '${IMPORT_MAP_HASH}'; connect-src 'self' ${new URL(endpoint).origin}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    // The builds change with every `npm run build`; a stale cached script would mislead.
    'Cache-Control': 'no-store',
  }

  const send = (response, status, type, body) => {
    response.writeHead(status, { ...headers, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
    response.end(body)
  }
  const sendJson = (response, status, value) => send(response, status, 'application/json; charset=utf-8', JSON.stringify(value))

  /** GET /api/profile/<userId>: the stored profile, read with the Read + Write key on the server. */
  async function proxyProfile(response, encodedUserId) {
    try {
      const upstream = await fetch(`${endpoint}/profile/${encodedUserId}`, { headers: { authorization: `Bearer ${readWriteKey}` } })
      send(response, upstream.status, upstream.headers.get('content-type') ?? 'application/json', await upstream.text())
    } catch (error) {
      sendJson(response, 502, { error: 'bad_gateway', message: `The Integration API at ${endpoint} did not answer: ${error.cause?.code ?? error.message}` })
    }
  }

  async function route(request, response) {
    const url = new URL(`http://localhost${request.url.startsWith('/') ? request.url : '/'}`)
    if (request.method != 'GET' && request.method != 'HEAD') return sendJson(response, 405, { error: 'method_not_allowed', message: 'The demo site only serves GET.' })
    if (Object.hasOwn(pages, url.pathname)) return send(response, 200, 'text/html; charset=utf-8', pages[url.pathname]())
    if (url.pathname.startsWith('/api/profile/') && url.pathname.length > '/api/profile/'.length) {
      return proxyProfile(response, url.pathname.slice('/api/profile/'.length))
    }
    const path = url.pathname == '/userflux.min.js' ? '/dist/userflux.min.js' : url.pathname
    const file = resolveStatic(path, mounts)
    const found = file && (await readStatic(file))
    if (!found) {
      const hint = path.startsWith('/dist/') ? ' (run npm run build first)' : ''
      return send(response, 404, 'text/plain; charset=utf-8', `Not found: ${url.pathname}${hint}\n`)
    }
    send(response, 200, found.type, found.body)
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error) => {
      console.error('[demo]', error)
      if (!response.headersSent) sendJson(response, 500, { error: 'internal_error', message: 'The demo server failed.' })
      else response.destroy()
    })
  })

  return {
    server,
    listen: (port = 0, host = '127.0.0.1') => listen(server, port, host),
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
