/**
 * The demo website: a page with the script tag, a page with the ESM import, and a proxy that reads
 * stored profiles from the Integration API with the Read + Write key, so that key never reaches a
 * browser. It runs on its own port, another origin than the API, as a real site would. With the
 * API's test token it also serves the pages' live request log (GET /api/requests, and
 * /api/requests/stream as server-sent events) and flips the fault switches (POST /api/faults).
 * It answers only to its configured hosts (demo/hosts.js): a DNS-rebound page would otherwise read
 * profiles through the proxy, read the request log and flip the switches as if it were the demo.
 */
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createHostCheck, misdirected } from '../hosts.js'
import { listen } from '../listen.js'
import { createFaultSwitch, FAULTS } from './faults.js'
import { IMPORT_MAP_HASH, indexPage, scriptTagPage, spaPage } from './pages.js'
import { createRequestLog } from './request-log.js'
import { readStatic, resolveStatic, vendorDirs } from './static.js'

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url))
const DEFAULT_DIST = fileURLToPath(new URL('../../dist/', import.meta.url))

/**
 * @typedef {object} DemoServerOptions
 * @property {string} apiUrl base URL of the Integration API the pages send to
 * @property {string} [writeKey] the Write Only key, written into the pages. Default 'demo-write-key'
 * @property {string} [readWriteKey] the Read + Write key, used only by the server's profile proxy. Default 'demo-read-write-key'
 * @property {string} [distDir] where the builds are. Default the repository's dist/
 * @property {string} [testToken] the token of the API's /__test/ routes (`createApiServer` returns it),
 *   used server-side only: the live request log and the fault switches. Without it the pages say they
 *   are unavailable.
 * @property {string[]} [allowedHosts] names it answers to besides localhost, 127.0.0.1 and [::1] with its
 *   port (demo/hosts.js); any other Host gets 421
 */

/**
 * @param {DemoServerOptions} options
 * @returns {{ server: import('node:http').Server, listen: (port?: number, host?: string) => Promise<{ port: number, url: string }>, close: () => Promise<void> }}
 */
export function createDemoServer({ apiUrl, writeKey = 'demo-write-key', readWriteKey = 'demo-read-write-key', distDir = DEFAULT_DIST, testToken, allowedHosts = [] }) {
  if (!apiUrl) throw new TypeError('createDemoServer: apiUrl is required')
  const endpoint = apiUrl.replace(/\/+$/, '')
  const faults = createFaultSwitch({ apiUrl: endpoint, testToken })
  const requestLog = createRequestLog({ apiUrl: endpoint, testToken, faults })
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

  /**
   * POST /api/faults { mode }: sets the fault switch. Only from this site's own pages: a JSON body
   * (another origin would need a preflight, which this server never grants) and, from a browser, an
   * Origin that is one of this server's configured origins. Never compared with the request's Host:
   * a rebound page chooses both.
   */
  async function setFault(request, response) {
    const origin = request.headers.origin
    if (origin !== undefined && !hosts.isOwnOrigin(origin)) return sendJson(response, 403, { error: 'forbidden', message: 'Only the demo pages may flip the switches.' })
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) return sendJson(response, 415, { error: 'unsupported_media_type', message: 'Send application/json.' })
    let mode
    try {
      const chunks = []
      for await (const chunk of request) if (chunks.push(chunk) > 16) throw new Error('too large')
      mode = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.mode
    } catch {
      return sendJson(response, 400, { error: 'bad_request', message: 'Send { "mode": "off" | "down" | ... }.' })
    }
    if (!Object.hasOwn(FAULTS, mode)) return sendJson(response, 400, { error: 'bad_request', message: `mode is one of ${Object.keys(FAULTS).join(', ')}.` })
    if (!faults.available) return sendJson(response, 503, { error: 'unavailable', message: 'The local API runs without its test routes (UF_TEST_CONTROL=0): no fault switches.' })
    try {
      await faults.set(mode)
    } catch (error) {
      return sendJson(response, 502, { error: 'bad_gateway', message: `The local API refused the switch: ${error.message}` })
    }
    requestLog.poke()
    sendJson(response, 200, { mode: faults.mode })
  }

  async function route(request, response) {
    if (!hosts.allows(request)) return misdirected(response, request.headers.host)
    const url = new URL(`http://localhost${request.url.startsWith('/') ? request.url : '/'}`)
    if (url.pathname == '/api/faults' && request.method == 'POST') return setFault(request, response)
    if (request.method != 'GET' && request.method != 'HEAD') return sendJson(response, 405, { error: 'method_not_allowed', message: 'The demo site only serves GET (and POST /api/faults).' })
    if (url.pathname == '/api/requests/stream') return requestLog.stream(request, response, headers)
    if (url.pathname == '/api/requests') return sendJson(response, 200, await requestLog.snapshot())
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

  const hosts = createHostCheck(server, allowedHosts)

  return {
    server,
    listen: (port = 0, host = '127.0.0.1') => listen(server, port, host),
    async close() {
      requestLog.close()
      await faults.close()
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
