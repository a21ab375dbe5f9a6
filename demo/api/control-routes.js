/**
 * The /__test/ routes (only with `control: true`). They answer CORS like the API, so a test page in a
 * browser may call them too.
 *
 *   POST /__test/faults   { faults: Fault[] }  → 200 { pending }   queue faults for the next POST /profile
 *   POST /__test/hang     { on?: boolean }     → 200 { hanging }   hold POST /profile open (on, the default) or release them (off)
 *   GET  /__test/requests                      → 200 { posts, preflights, gets }
 *   POST /__test/reset                         → 204               clear profiles, faults, hang and the log
 */
import { readBody, sendError, sendJson } from './http.js'
import { faultProblem } from './control.js'
import { isPlainObject } from './validate.js'

const ROUTES = { '/__test/faults': 'POST', '/__test/hang': 'POST', '/__test/requests': 'GET', '/__test/reset': 'POST' }

/** The JSON body of a control request; an empty body is `{}`. */
async function readJson(request) {
  const { text, tooLarge } = await readBody(request)
  if (tooLarge) return undefined
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
 * @param {() => void} clearProfiles
 */
export async function handleControl(request, response, path, tests, clearProfiles) {
  const method = ROUTES[path]
  if (!method) return sendError(response, 404, 'not_found', `No test route ${path}.`)
  if (request.method != method) return sendError(response, 405, 'method_not_allowed', `Use ${method} ${path}.`, { Allow: `${method}, OPTIONS` })
  if (path == '/__test/requests') return sendJson(response, 200, tests.requests())

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
  clearProfiles()
  response.writeHead(204).end()
}
