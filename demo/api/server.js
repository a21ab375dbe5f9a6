/**
 * A faithful local UserFlux Integration API (its OpenAPI description and SPEC §6):
 * POST /profile with either key, GET /profile/{userId} with the Read + Write key only, CORS for
 * browsers on any origin, optional persistence, and (with `control: true`) the /__test/ routes that
 * end-to-end tests use to inject faults and read what arrived.
 */
import { createServer } from 'node:http'
import { listen } from '../listen.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { authenticate, BEARER_CHALLENGE } from './auth.js'
import { createTestControl } from './control.js'
import { handleControl } from './control-routes.js'
import { answerPreflight, applyCors, isJsonContentType, MAX_BODY_BYTES, readBody, sendError, sendJson } from './http.js'
import { locationDataFromRequest } from './location.js'
import { createSaver, loadState } from './persistence.js'
import { createProfileStore } from './store.js'
import { deviceDataFromUserAgent } from './user-agent.js'
import { parseLocationEnrichment, validateProfileUpdate } from './validate.js'

/**
 * @typedef {object} ApiServerOptions
 * @property {string} [writeKey] the Write Only key. Default 'demo-write-key'
 * @property {string} [readWriteKey] the Read + Write key. Default 'demo-read-write-key'
 * @property {string | null} [dataDir] where profiles.json lives; null keeps profiles in memory only
 * @property {boolean} [control] enable the /__test/ routes. Default false
 * @property {boolean | ((message: string) => void)} [log] true: log requests to the console; a function
 *   receives every line. Warnings (a corrupt data file, a failed save) are logged even when false.
 */

/**
 * @typedef {object} ApiServer
 * @property {import('node:http').Server} server
 * @property {(port?: number, host?: string) => Promise<{ port: number, url: string }>} listen
 * @property {() => Promise<void>} close closes connections (held ones too) and writes pending changes
 */

const json = (text) => {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    return { ok: false, message: error.message }
  }
}

/**
 * @param {ApiServerOptions} [options]
 * @returns {ApiServer}
 */
export function createApiServer({ writeKey = 'demo-write-key', readWriteKey = 'demo-read-write-key', dataDir = null, control = false, log = false } = {}) {
  const keys = { writeKey, readWriteKey }
  const info = typeof log == 'function' ? log : log ? (message) => console.log(`[api] ${message}`) : () => {}
  const warn = typeof log == 'function' ? log : (message) => console.warn(`[api] ${message}`)
  const store = createProfileStore({ state: dataDir ? loadState(dataDir, warn) : undefined })
  const saver = dataDir ? createSaver({ dataDir, snapshot: () => store.toJSON(), log: warn }) : undefined
  const tests = control ? createTestControl() : undefined
  let closed = false

  /** Checks and applies one POST /profile; returns the answer to give. */
  function updateProfile(request, url, text) {
    const auth = authenticate(request.headers.authorization, keys)
    if (!auth.ok) return { status: auth.status, error: auth.error, message: auth.message, headers: auth.status == 401 ? BEARER_CHALLENGE : {} }
    const enrichment = parseLocationEnrichment(url.searchParams)
    if (!enrichment.ok) return { status: 400, error: 'bad_request', message: enrichment.message }
    if (!isJsonContentType(request.headers['content-type'])) {
      return { status: 415, error: 'unsupported_media_type', message: `Content-Type must be application/json, got ${JSON.stringify(request.headers['content-type'] ?? '')}.` }
    }
    const parsed = json(text)
    if (!parsed.ok) return { status: 400, error: 'invalid_json', message: `The body is not valid JSON: ${parsed.message}` }
    const valid = validateProfileUpdate(parsed.value)
    if (!valid.ok) return { status: 400, error: 'bad_request', message: valid.message }
    if (closed) return { status: 503, error: 'shutting_down', message: 'The server is shutting down.' }
    store.apply(valid.update, {
      locationData: enrichment.value ? locationDataFromRequest(request) : undefined,
      deviceData: deviceDataFromUserAgent(request.headers['user-agent']),
    })
    saver?.schedule()
    return { status: 204 }
  }

  async function postProfile(request, response, url) {
    const entry = tests?.logPost({ at: Date.now(), query: Object.fromEntries(url.searchParams), headers: { ...request.headers }, body: null, status: null })
    const answer = (status, body, headers = {}) => {
      if (entry) entry.status = status
      if (body === undefined) response.writeHead(status, headers).end()
      else sendJson(response, status, body, headers)
    }
    const { text, tooLarge } = await readBody(request, MAX_BODY_BYTES)
    if (tooLarge) {
      // Close the connection rather than read (and buffer) the rest of an oversized upload.
      return answer(413, { error: 'payload_too_large', message: `The body exceeds ${MAX_BODY_BYTES} bytes.` }, { Connection: 'close' })
    }
    if (entry) {
      const parsed = json(text)
      entry.body = parsed.ok ? parsed.value : text
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
    const result = updateProfile(request, url, text)
    if (result.status != 204) return answer(result.status, { error: result.error, message: result.message }, result.headers)
    // A 2xx fault status means "handle normally, answer this instead of 204" (e.g. a 200 with a body).
    if (fault?.status !== undefined) return answer(fault.status, [204, 205].includes(fault.status) ? undefined : fault.body, faultHeaders)
    answer(204)
  }

  function getProfile(request, response, url) {
    tests?.countGet()
    const auth = authenticate(request.headers.authorization, keys)
    if (!auth.ok) return sendError(response, auth.status, auth.error, auth.message, auth.status == 401 ? BEARER_CHALLENGE : {})
    if (auth.role != 'read-write') return sendError(response, 403, 'forbidden', 'Reading profiles needs the Read + Write key; the Write Only key may only send updates.')
    let userId
    try {
      userId = decodeURIComponent(url.pathname.slice('/profile/'.length))
    } catch {
      return sendError(response, 400, 'bad_request', 'The userId in the path is not valid percent-encoding.')
    }
    const profile = store.get(userId)
    if (!profile) return sendError(response, 404, 'not_found', `No profile for userId ${JSON.stringify(userId)}.`)
    sendJson(response, 200, profile)
  }

  async function route(request, response) {
    applyCors(request, response)
    let url
    try {
      // Prefixing keeps a path such as "//host/x" a path rather than a URL with a host.
      url = new URL(request.url.startsWith('/') ? `http://localhost${request.url}` : request.url)
    } catch {
      return sendError(response, 400, 'bad_request', 'Malformed request target.')
    }
    const path = url.pathname
    const isProfile = path == '/profile' || (path.startsWith('/profile/') && path.length > '/profile/'.length)
    if (request.method == 'OPTIONS') {
      if (isProfile) tests?.countPreflight()
      return answerPreflight(response)
    }
    if (path == '/profile') {
      if (request.method == 'POST') return postProfile(request, response, url)
      return sendError(response, 405, 'method_not_allowed', `${request.method} is not allowed on /profile; use POST.`, { Allow: 'POST, OPTIONS' })
    }
    if (isProfile) {
      if (request.method == 'GET') return getProfile(request, response, url)
      return sendError(response, 405, 'method_not_allowed', `${request.method} is not allowed on /profile/{userId}; use GET.`, { Allow: 'GET, OPTIONS' })
    }
    if (tests && path.startsWith('/__test/')) {
      return handleControl(request, response, path, tests, () => {
        store.clear()
        saver?.schedule()
      })
    }
    sendError(response, 404, 'not_found', `No route for ${request.method} ${path}.`)
  }

  const server = createServer((request, response) => {
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

  return {
    server,
    listen: (port = 0, host = '127.0.0.1') => listen(server, port, host),
    async close() {
      closed = true
      tests?.releaseHeld()
      await new Promise((resolve) => {
        server.close(() => resolve(undefined))
        server.closeAllConnections()
      })
      saver?.flush()
    },
  }
}
