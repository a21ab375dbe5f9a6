/**
 * A faithful local UserFlux Integration API (its OpenAPI description and SPEC §6):
 * POST /profile with either key and CORS for browsers on any origin, GET /profile/{userId} with the
 * Read + Write key only and never for another origin, optional persistence, and (with `control: true`)
 * the /__test/ routes that end-to-end tests use to inject faults and read what arrived. It answers only
 * to its configured hosts (demo/hosts.js), so a DNS-rebound page cannot reach it.
 */
import { createServer } from 'node:http'
import { createHostCheck, misdirected } from '../hosts.js'
import { listen } from '../listen.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { authenticate, BEARER_CHALLENGE } from './auth.js'
import { createTestControl, redactHeaders, resolveTestToken } from './control.js'
import { handleControl } from './control-routes.js'
import { answerPreflight, applyCors, decodeBody, MAX_BODY_BYTES, parseContentType, readBody, sendError, sendJson } from './http.js'
import { locationDataFromRequest } from './location.js'
import { openLog, recover, replay } from './persistence.js'
import { createProfileStore } from './store.js'
import { deviceDataFromUserAgent } from './user-agent.js'
import { MAX_DEPTH, nestsDeeperThan, parseLocationEnrichment, validateProfileUpdate } from './validate.js'

/**
 * @typedef {object} ApiServerOptions
 * @property {string} [writeKey] the Write Only key. Default 'demo-write-key'
 * @property {string} [readWriteKey] the Read + Write key. Default 'demo-read-write-key', for tests that
 *   run a server in their own process; the command-line entries make a random one (demo/api/cli.js)
 * @property {string[]} [allowedHosts] names it answers to besides localhost, 127.0.0.1 and [::1] with its
 *   port (see demo/hosts.js `createHostCheck`); any other Host gets 421
 * @property {string | null} [dataDir] where the log and snapshots live; null keeps profiles in memory only
 * @property {boolean} [control] enable the /__test/ routes. Default false
 * @property {number} [maxLogBytes] the request log's byte budget (control.js MAX_LOGGED_BYTES)
 * @property {string} [testToken] the token the /__test/ routes require (header x-uf-test-token).
 *   Default: UF_TEST_TOKEN, else a random one (see control.js `resolveTestToken`)
 * @property {import('./store.js').StoreLimits} [limits] caps on a profile's and the store's size
 * @property {number} [compactBytes] compact once the log outgrows this and the last snapshot. Default 8 MiB
 * @property {{ headersMs?: number, requestMs?: number, keepAliveMs?: number, maxConnections?: number }} [network]
 *   slow-client defences: a request's headers must arrive within headersMs (default 10 s) and the whole
 *   request within requestMs (default 15 s), else 408 and the connection closes; at most maxConnections
 *   (default 512) are open at once, further ones are closed at once
 * @property {typeof import('./log-writer.js').fileIo} [io] the log's file operations (tests make them fail)
 * @property {boolean | ((message: string) => void)} [log] true: log requests to the console; a function
 *   receives every line. Warnings (a corrupt data file, a failed save) are logged even when false.
 */

/**
 * @typedef {object} ApiServer
 * @property {import('node:http').Server} server
 * @property {(port?: number, host?: string) => Promise<{ port: number, url: string }>} listen
 * @property {() => Promise<void>} close closes connections (held ones too) and waits for pending writes
 * @property {string | undefined} testToken the token of the /__test/ routes, when they are on
 */

const json = (text) => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, message: error.message }
  }
}

/** Splits a request target without normalising it: WHATWG URL parsing would turn /profile/%2E into /profile/. */
function splitTarget(target) {
  if (!target.startsWith('/')) {
    const url = new URL(target)
    return { path: url.pathname, query: url.searchParams }
  }
  const at = target.indexOf('?')
  return at < 0 ? { path: target, query: new URLSearchParams() } : { path: target.slice(0, at), query: new URLSearchParams(target.slice(at + 1)) }
}

const STORAGE_UNAVAILABLE = { status: 503, error: 'storage_unavailable', message: 'The update could not be saved; try again shortly.', headers: { 'Retry-After': '1' } }

/**
 * @param {ApiServerOptions} [options]
 * @returns {ApiServer}
 */
export function createApiServer({
  writeKey = 'demo-write-key',
  readWriteKey = 'demo-read-write-key',
  dataDir = null,
  control = false,
  testToken,
  limits,
  compactBytes,
  network = {},
  io,
  log = false,
  allowedHosts = [],
  maxLogBytes,
} = {}) {
  const keys = { writeKey, readWriteKey }
  const info = typeof log == 'function' ? log : log ? (message) => console.log(`[api] ${message}`) : () => {}
  const warn = typeof log == 'function' ? log : (message) => console.warn(`[api] ${message}`)
  const recovered = dataDir ? recover(dataDir, warn) : undefined
  const store = createProfileStore({ state: recovered?.state, limits })
  /** Applies one logged operation (live and on replay alike). */
  const applyOp = (op, enforce) => {
    if (op.op == 'clear') return store.clear(), { ok: true }
    return store.apply(op.update, op.context, { enforce })
  }
  for (const file of recovered?.logs ?? []) replay(file, (op) => applyOp(op, false), warn)
  const persistence = recovered && openLog({ dataDir, gen: recovered.nextGen, stale: recovered.stale, capture: () => store.capture(), warn, compactBytes, io })
  const token = control ? resolveTestToken(testToken) : undefined
  const tests = control ? createTestControl({ maxBytes: maxLogBytes }) : undefined
  let closed = false

  /** Checks, applies and saves one POST /profile; resolves with the answer to give once it is durable. */
  async function updateProfile(request, query, bytes, auth) {
    if (!auth.ok) return { status: auth.status, error: auth.error, message: auth.message, headers: auth.status == 401 ? BEARER_CHALLENGE : {} }
    const enrichment = parseLocationEnrichment(query)
    if (!enrichment.ok) return { status: 400, error: 'bad_request', message: enrichment.message }
    const contentType = parseContentType(request.headers['content-type'])
    if (contentType.type != 'application/json') {
      return { status: 415, error: 'unsupported_media_type', message: `Content-Type must be application/json, got ${JSON.stringify(request.headers['content-type'] ?? '')}.` }
    }
    const text = decodeBody(bytes, contentType.charset)
    if (text === undefined) return { status: 415, error: 'unsupported_media_type', message: `Unsupported charset ${JSON.stringify(contentType.charset)}; send UTF-8.` }
    if (nestsDeeperThan(text)) return { status: 400, error: 'too_deep', message: `The body nests objects or arrays deeper than ${MAX_DEPTH} levels.` }
    const parsed = json(text)
    if (!parsed.ok) return { status: 400, error: 'invalid_json', message: `The body is not valid JSON: ${parsed.message}` }
    const valid = validateProfileUpdate(parsed.value)
    if (!valid.ok) return { status: 400, error: 'bad_request', message: valid.message }
    if (closed) return { status: 503, error: 'shutting_down', message: 'The server is shutting down.' }
    if (persistence && !persistence.healthy) return STORAGE_UNAVAILABLE
    const context = {
      ...(enrichment.value ? { locationData: locationDataFromRequest(request) } : {}),
      ...(request.headers['user-agent'] ? { deviceData: deviceDataFromUserAgent(request.headers['user-agent']) } : {}),
    }
    // Applied in memory in arrival order, which is also the log's order, so a replay rebuilds the same
    // store; the answer waits until the line is on disk.
    const applied = store.apply(valid.update, context)
    if (!applied.ok) {
      return applied.reason == 'store_full' ? { status: 507, error: 'store_full', message: applied.message } : { status: 413, error: 'profile_too_large', message: applied.message }
    }
    try {
      await persistence?.append({ op: 'update', update: valid.update, context: { ...context, at: applied.at } })
    } catch {
      return STORAGE_UNAVAILABLE
    }
    return { status: 204 }
  }

  async function postProfile(request, response, query) {
    // The key is checked before the body is read: an unauthenticated body is counted and dropped, never
    // kept or parsed, so keyless uploads from any web page cannot fill the memory through the log.
    const auth = authenticate(request.headers.authorization, keys)
    const entry = tests?.logPost({ at: Date.now(), query: Object.fromEntries(query), headers: redactHeaders(request.headers, writeKey), body: null, status: null })
    const answer = (status, body, headers = {}) => {
      if (entry) entry.status = status
      if (body === undefined) response.writeHead(status, headers).end()
      else sendJson(response, status, body, headers)
    }
    const { bytes, tooLarge } = await readBody(request, MAX_BODY_BYTES, { keep: auth.ok })
    if (tooLarge) {
      // Close the connection rather than read (and buffer) the rest of an oversized upload.
      return answer(413, { error: 'payload_too_large', message: `The body exceeds ${MAX_BODY_BYTES} bytes.` }, { Connection: 'close' })
    }
    if (entry && auth.ok) {
      const text = decodeBody(bytes, parseContentType(request.headers['content-type']).charset) ?? bytes.toString('latin1')
      // A body too deep to handle is logged as text: the log is sent as JSON, which recursion handles badly.
      const parsed = nestsDeeperThan(text) ? { ok: false } : json(text)
      tests.setBody(entry, parsed.ok ? parsed.value : text, bytes.length)
    }
    if (tests?.hanging) return tests.hold({ entry, request })

    const fault = tests?.takeFault()
    if (fault?.delayMs) await sleep(fault.delayMs)
    if (fault?.drop) {
      if (entry) entry.status = 'dropped'
      return request.socket.destroy()
    }
    const faultHeaders = fault?.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : {}
    if (fault?.status !== undefined && fault.status >= 300) {
      return answer(fault.status, fault.body ?? { error: 'injected_fault', message: `Injected fault: HTTP ${fault.status}.` }, faultHeaders)
    }
    const result = await updateProfile(request, query, bytes, auth)
    if (result.status != 204) return answer(result.status, { error: result.error, message: result.message }, result.headers)
    // A 2xx fault status means "handle normally, answer this instead of 204" (e.g. a 200 with a body).
    if (fault?.status !== undefined) return answer(fault.status, [204, 205].includes(fault.status) ? undefined : fault.body, faultHeaders)
    answer(204)
  }

  function getProfile(request, response, path) {
    tests?.countGet()
    // The Read + Write key belongs on a server: a browser's request (it sends Origin with every
    // cross-origin one) is refused outright, and the answer carries no CORS headers either way.
    if (request.headers.origin !== undefined) {
      return sendError(response, 403, 'cross_origin_refused', 'GET /profile/{userId} is not served to web pages: read profiles from your server, with the Read + Write key.')
    }
    const auth = authenticate(request.headers.authorization, keys)
    if (!auth.ok) return sendError(response, auth.status, auth.error, auth.message, auth.status == 401 ? BEARER_CHALLENGE : {})
    if (auth.role != 'read-write') return sendError(response, 403, 'forbidden', 'Reading profiles needs the Read + Write key; the Write Only key may only send updates.')
    let userId
    try {
      userId = decodeURIComponent(path.slice('/profile/'.length))
    } catch {
      return sendError(response, 400, 'bad_request', 'The userId in the path is not valid percent-encoding.')
    }
    const profile = store.get(userId)
    if (!profile) return sendError(response, 404, 'not_found', `No profile for userId ${JSON.stringify(userId)}.`)
    sendJson(response, 200, profile)
  }

  async function route(request, response) {
    if (!hosts.allows(request)) return misdirected(response, request.headers.host)
    let target
    try {
      target = splitTarget(request.url)
    } catch {
      return sendError(response, 400, 'bad_request', 'Malformed request target.')
    }
    const { path, query } = target
    const isProfile = path == '/profile' || (path.startsWith('/profile/') && path.length > '/profile/'.length)
    const isControl = Boolean(tests) && path.startsWith('/__test/')
    if (path == '/profile') applyCors(request, response)
    if (request.method == 'OPTIONS') {
      if (isProfile) tests?.countPreflight()
      // Only POST /profile is for browsers; any other preflight gets no grant, so the browser sends nothing.
      if (path == '/profile') return answerPreflight(response)
      return sendError(response, 403, 'cross_origin_refused', `${path} is not served to web pages.`)
    }
    if (path == '/profile') {
      if (request.method == 'POST') return postProfile(request, response, query)
      return sendError(response, 405, 'method_not_allowed', `${request.method} is not allowed on /profile; use POST.`, { Allow: 'POST, OPTIONS' })
    }
    if (isProfile) {
      if (request.method == 'GET') return getProfile(request, response, path)
      return sendError(response, 405, 'method_not_allowed', `${request.method} is not allowed on /profile/{userId}; use GET.`, { Allow: 'GET, OPTIONS' })
    }
    if (isControl) {
      // Called from Node (tests, the demo server), which sends no Origin. A browser's request, which
      // does, passes only from one of the API's own origins, whatever Host it came with.
      const origin = request.headers.origin
      if (origin !== undefined && !hosts.isOwnOrigin(origin)) return sendError(response, 403, 'cross_origin_refused', 'The test routes are not served to web pages.')
      return handleControl(request, response, path, tests, token, async () => {
        store.clear()
        await persistence?.append({ op: 'clear' })
      })
    }
    sendError(response, 404, 'not_found', `No route for ${request.method} ${path}.`)
  }

  const { headersMs = 10_000, requestMs = 15_000, keepAliveMs = 5_000, maxConnections = 512 } = network
  // Node checks the timeouts every connectionsCheckingInterval (default 30 s): check every second.
  const serverOptions = { headersTimeout: headersMs, requestTimeout: requestMs, keepAliveTimeout: keepAliveMs, connectionsCheckingInterval: Math.min(1000, headersMs, requestMs) }
  const server = createServer(serverOptions, (request, response) => {
    const started = Date.now()
    response.on('finish', () => info(`${request.method} ${request.url} → ${response.statusCode} (${Date.now() - started} ms)`))
    route(request, response).catch((error) => {
      // A client that went away mid-body is not a server failure.
      if (error.message == 'aborted' || error.code == 'ECONNRESET') return info(`${request.method} ${request.url}: the client went away`)
      warn(`${request.method} ${request.url} failed: ${error.stack || error}`)
      if (!response.headersSent) sendError(response, 500, 'internal_error', 'The server failed to handle the request.')
      else response.destroy()
    })
  })

  server.maxConnections = maxConnections
  const hosts = createHostCheck(server, allowedHosts)

  return {
    server,
    testToken: token,
    listen: (port = 0, host = '127.0.0.1') => listen(server, port, host),
    async close() {
      closed = true
      tests?.releaseHeld()
      await new Promise((resolve) => {
        server.close(() => resolve(undefined))
        server.closeAllConnections()
      })
      await persistence?.close()
    },
  }
}
