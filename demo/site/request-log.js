/**
 * The live request log of the demo pages: the demo server reads the local API's request log
 * (GET /__test/requests, with the test token, server-side) and pushes the latest POST /profile
 * requests to the pages as server-sent events, with the state of the fault switch. The browser never
 * holds the token nor the Read + Write key: it only sees what the API received and answered.
 */

/** How many of the latest requests the pages get. */
export const LOG_LENGTH = 40
const POLL_MS = 400
const HEARTBEAT_MS = 15_000

/** One logged request as the pages show it: the body as the API received it, and its answer. */
const view = (post) => ({
  at: post.at,
  // null: not answered yet (held, or a slow answer under way)
  status: post.status,
  locationEnrichment: post.query?.locationEnrichment,
  body: post.body,
})

/**
 * @param {{ apiUrl: string, testToken: string | undefined, faults: ReturnType<typeof import('./faults.js').createFaultSwitch> }} options
 */
export function createRequestLog({ apiUrl, testToken, faults }) {
  /** @type {Set<import('node:http').ServerResponse>} */
  const clients = new Set()
  let timer
  let last = ''

  /** The snapshot the pages get: the switch and the latest requests (the switch's own drains left out). */
  async function snapshot() {
    if (!testToken) return { available: false, mode: faults.mode, posts: [] }
    try {
      const response = await fetch(`${apiUrl}/__test/requests`, { headers: { 'x-uf-test-token': testToken } })
      if (!response.ok) return { available: false, mode: faults.mode, posts: [], problem: `the API answered ${response.status} to /__test/requests` }
      const { posts } = await response.json()
      return { available: true, mode: faults.mode, posts: posts.filter((post) => post.query?.demo != 'drain').slice(-LOG_LENGTH).map(view) }
    } catch (error) {
      return { available: false, mode: faults.mode, posts: [], problem: `the API did not answer: ${error.cause?.code ?? error.message}` }
    }
  }

  const broadcast = (text) => {
    for (const response of clients) response.write(text)
  }

  let polling = false
  let closed = false
  /** Reads the API's log and sends it on if it changed; again and again while a page listens. */
  async function poll() {
    if (polling || closed) return
    polling = true
    clearTimeout(timer)
    try {
      const text = JSON.stringify(await snapshot())
      if (text != last) {
        last = text
        broadcast(`data: ${text}\n\n`)
      }
    } finally {
      polling = false
      if (clients.size && !closed) timer = setTimeout(poll, POLL_MS)
    }
  }

  const heartbeat = setInterval(() => broadcast(': keep-alive\n\n'), HEARTBEAT_MS)
  heartbeat.unref()

  return {
    snapshot,
    /** Now rather than at the next tick (after a switch changed). */
    poke() {
      last = ''
      if (clients.size) poll()
    },
    /**
     * GET /api/requests/stream: an event-stream that sends the snapshot at once and whenever it changes.
     * @param {import('node:http').ServerResponse} response
     * @param {Record<string, string>} headers the site's security headers
     */
    stream(request, response, headers) {
      response.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' })
      response.write('retry: 2000\n\n')
      clients.add(response)
      request.on('close', () => clients.delete(response))
      last = '' // the newcomer gets the current snapshot at the next poll
      poll()
    },
    close() {
      closed = true
      clearTimeout(timer)
      clearInterval(heartbeat)
      for (const response of clients) response.end()
      clients.clear()
    },
  }
}
