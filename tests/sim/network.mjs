import { Request, Response } from './fetch-classes.mjs'

/** Fetch §4.5 "HTTP-network-or-cache fetch": keepalive bodies in flight per fetch group (page). */
export const KEEPALIVE_QUOTA = 64 * 1024
/** The slow uplink: 20 kbit/s, so a 30 KB body takes 12 s. */
const SLOW_BYTES_PER_MS = 2.5

/**
 * `fetch` for the simulated tabs (Fetch §5.6, https://fetch.spec.whatwg.org/#fetch-method):
 * - a network error (offline, the connection dropping) rejects with a TypeError;
 * - `keepalive: true`: the request outlives its page (Fetch "keepalive"; the page's close does not
 *   terminate it). A keepalive request whose body would bring the page's keepalive bytes in flight over
 *   64 KiB is a network error (Fetch §4.5 step "If the sum of contentLength and inflightKeepaliveBytes
 *   is greater than 64 kibibytes, then return a network error"): a TypeError;
 * - aborting the signal rejects with an AbortError DOMException (Fetch "abort fetch");
 * - a page that closes or crashes terminates its other requests (HTML "unload a document": fetch
 *   groups are terminated); whether such a request, or an aborted or dropped one, had already been
 *   applied by the server is decided by a seeded coin, as the client cannot know either;
 * - latency 5-400 ms per request, drawn per request, so answers may come in another order than sends;
 * - the result reaches the page in a task of that page (deferred while it is in the back/forward cache).
 */
export function createNetwork(clock, server, rng) {
  let nextId = 1
  const network = {
    online: true,
    /** Every request that left a tab: { id, tab, at, url, body, bytes, keepalive, state }. */
    requests: [],
    /** Called as each request leaves (the invariants check opt-out there). */
    onSend: () => {},
    /** Called when the API refused a request for good (a 4xx other than 401, 403, 408, 429). */
    onRefused: () => {},
    /** The `fetch` of one tab. */
    attach(tab) {
      tab.keepaliveBytes = 0
      const inFlight = new Set()
      tab.onClose(() => {
        for (const request of inFlight) if (!request.keepalive) request.terminate()
      })
      return function fetch(input, init) {
        const req = new Request(input, init || {})
        const body = req.body == null ? '' : String(req.body)
        const bytes = Buffer.byteLength(body)
        const record = { id: nextId++, tab, at: clock.now, url: req.url, body, bytes, keepalive: req.keepalive, state: 'sent' }
        return new Promise((resolve, reject) => {
          const toTab = (settle) => clock.schedule(0, () => !tab.closed && settle(), tab)
          const fail = (error) => toTab(() => reject(error))
          if (!network.online) {
            record.state = 'offline'
            network.requests.push(record)
            network.onSend(record)
            return fail(new TypeError('Failed to fetch'))
          }
          if (req.keepalive && tab.keepaliveBytes + bytes > KEEPALIVE_QUOTA) {
            record.state = 'keepalive-quota'
            network.requests.push(record)
            network.onSend(record)
            return fail(new TypeError('Failed to fetch'))
          }
          network.requests.push(record)
          network.onSend(record)
          if (req.keepalive) tab.keepaliveBytes += bytes
          const mode = server.mode
          let answerTask
          const finish = () => {
            inFlight.delete(record)
            if (req.keepalive) tab.keepaliveBytes -= bytes
          }
          // A request the client gave up on (abort, page gone) may or may not have been applied.
          const abandon = (state) => {
            if (record.state != 'sent') return
            clock.cancel(answerTask)
            finish()
            record.state = state
            if (rng.chance(0.5)) {
              record.state += '+applied'
              server.apply(record)
            }
          }
          record.terminate = () => abandon('terminated')
          inFlight.add(record)
          const signal = req.signal
          if (signal?.aborted) {
            abandon('aborted')
            return fail(new DOMException('signal is aborted without reason', 'AbortError'))
          }
          signal?.addEventListener?.('abort', () => {
            if (record.state != 'sent') return
            abandon('aborted')
            fail(new DOMException('signal is aborted without reason', 'AbortError'))
          })
          if (mode == 'hang') return
          const latency = rng.int(5, 400) + (mode == 'slow' ? Math.ceil(bytes / SLOW_BYTES_PER_MS) : 0)
          answerTask = clock.schedule(latency, () => {
            if (record.state != 'sent') return
            finish()
            if (mode == 'network') {
              record.state = 'dropped'
              if (rng.chance(0.5)) (record.state += '+applied'), server.apply(record)
              return fail(new TypeError('Failed to fetch'))
            }
            const answer = server.answer(record, mode)
            record.state = String(answer.status)
            record.answeredAt = clock.now
            if (answer.status >= 400 && answer.status < 500 && ![401, 403, 408, 429].includes(answer.status)) network.onRefused(record)
            toTab(() => resolve(new Response(answer.body, { status: answer.status, headers: answer.headers })))
          })
        })
      }
    },
  }
  return network
}
