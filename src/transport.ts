import ky from 'ky'
import type { Enrichment } from './enrich.js'
import type { Entry } from './queue.js'

/** What the API answered to one send. The status decides: a resolved `fetch` is not a success. */
export interface Answer {
  /** HTTP status; 0 when no answer came (network error, timeout). */
  status: number
  retryAfter?: string | null
  /** The API's error message, or the network error. */
  message?: string
}

export type Send = (entry: Entry, exiting?: boolean) => Promise<Answer>

/** `POST {endpoint}/profile` of one entry, with the Write Only key. */
export function createTransport(endpoint: string, writeKey: string, fetchImpl?: typeof fetch, enrichment?: Enrichment): Send {
  // ky's own retries are off: retrying is the queue's job, which persists and orders what waits.
  // ky's default timeout (10 s) stands: a request that hangs is retried like a network error.
  const api = ky.create({ retry: 0, throwHttpErrors: false, fetch: fetchImpl })
  return async (entry, exiting) => {
    const url = `${endpoint}/profile?locationEnrichment=${entry.l}`
    const extra = enrichment?.extra(entry)
    const init = {
      method: 'POST',
      // keepalive lets a request outlive the page (it must stay under 64 KiB, which the queue ensures).
      keepalive: true,
      headers: { authorization: 'Bearer ' + writeKey, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: entry.u, anonymousId: entry.a, properties: entry.p, ...extra }),
    }
    try {
      // On exit, fetch is called before this function first awaits, within the pagehide handler:
      // ky would only start the request a microtask later.
      const response = await (exiting ? (fetchImpl || fetch)(url, init) : api(url, init))
      if (response.ok) return enrichment?.sent(entry, extra!), { status: response.status }
      // The API's error body, as it came: what a developer needs to see to fix the call.
      const message = (await response.text().catch(() => '')).slice(0, 300)
      return { status: response.status, retryAfter: response.headers.get('retry-after'), message }
    } catch (error) {
      return { status: 0, message: String(error) }
    }
  }
}
