/**
 * The /__test/ routes (only with `control: true`). Every request must carry the test token in the
 * `x-uf-test-token` header, and POSTs must be `application/json`: both need a CORS preflight, so no
 * page can fire them blind (a `text/plain` form post or a plain fetch), and without the token nothing
 * is done or shown. They answer no CORS at all (preflights get no grant): test code and the demo
 * server call them from Node, and the log they show holds every profile sent, which no other origin
 * may read.
 *
 *   POST /__test/faults   { faults: Fault[] }  → 200 { pending }   queue faults for the next POST /profile
 *   POST /__test/hang     { on?: boolean }     → 200 { hanging }   hold POST /profile open (on, the default) or release them (off)
 *   GET  /__test/requests                      → 200 { posts, preflights, gets }
 *   POST /__test/reset                         → 204               clear profiles, faults, hang and the log
 */
import { decodeBody, isJsonContentType, parseContentType, readBody, sendError, sendJson } from './http.js'
import { faultProblem, hasTestToken, TOKEN_HEADER } from './control.js'
import { isPlainObject, nestsDeeperThan } from './validate.js'

const ROUTES = { '/__test/faults': 'POST', '/__test/hang': 'POST', '/__test/requests': 'GET', '/__test/reset': 'POST' }

/** The JSON body of a control request; an empty body is `{}`. */
async function readJson(request) {
  const { bytes, tooLarge } = await readBody(request, 64 * 1024)
  if (tooLarge) return undefined
  const text = decodeBody(bytes, parseContentType(request.headers['content-type']).charset)
  // A fault body is sent back as JSON later: refuse nesting that recursion would choke on.
  if (text === undefined || nestsDeeperThan(text)) return undefined
  try {
    const value = text.trim() ? JSON.parse(text) : {}
    return isPlainObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

/**
 * @param {import('node:http').IncomingMessage} request
 * @param {import('node:http').ServerResponse} response
 * @param {string} path
 * @param {ReturnType<typeof import('./control.js').createTestControl>} tests
 * @param {string} token
 * @param {() => Promise<void>} clearProfiles resolves once the reset is durable
 */
export async function handleControl(request, response, path, tests, token, clearProfiles) {
  if (!hasTestToken(request, token)) return sendError(response, 401, 'unauthorized', `The test routes need the test token in the ${TOKEN_HEADER} header.`)
  const method = ROUTES[path]
  if (!method) return sendError(response, 404, 'not_found', `No test route ${path}.`)
  if (request.method != method) return sendError(response, 405, 'method_not_allowed', `Use ${method} ${path}.`, { Allow: `${method}, OPTIONS` })
  if (path == '/__test/requests') return sendJson(response, 200, tests.requests())
  if (!isJsonContentType(request.headers['content-type'])) return sendError(response, 415, 'unsupported_media_type', 'Test routes take application/json.')

  const body = await readJson(request)
  if (!body) return sendError(response, 400, 'bad_request', 'The body must be a JSON object.')
  if (path == '/__test/faults') {
    if (!Array.isArray(body.faults)) return sendError(response, 400, 'bad_request', 'Send { "faults": [ ... ] }.')
    const problem = body.faults.map(faultProblem).find(Boolean)
    if (problem) return sendError(response, 400, 'bad_request', `Bad fault: ${problem}.`)
    tests.addFaults(body.faults)
    return sendJson(response, 200, { pending: tests.pendingFaults() })
  }
  if (path == '/__test/hang') {
    if (body.on !== undefined && typeof body.on != 'boolean') return sendError(response, 400, 'bad_request', 'on must be a boolean.')
    tests.setHanging(body.on ?? true)
    return sendJson(response, 200, { hanging: tests.hanging })
  }
  tests.reset()
  try {
    await clearProfiles()
  } catch {
    return sendError(response, 503, 'storage_unavailable', 'The reset could not be saved.')
  }
  response.writeHead(204).end()
}
