import ky from 'ky'
import type { Entry } from './queue.js'

/** What became of one send, judged by status: `fetch` resolving says nothing about success. */
export interface Outcome {
  kind: 'ok' | 'retry' | 'drop' | 'auth'
  /** HTTP status; 0 when no answer came (network error, timeout). */
  status: number
  retryAfter?: string | null
  message?: string
}

export type Send = (entry: Entry, exiting?: boolean) => Promise<Outcome>

export function classify(status: number): Outcome['kind'] {
  if (status >= 200 && status < 300) return 'ok'
  if (status == 401 || status == 403) return 'auth'
  return status == 408 || status == 429 || status >= 500 ? 'retry' : 'drop'
}

/** `POST {endpoint}/profile` of one entry, with the Write Only key. */
export function createTransport(endpoint: string, writeKey: string, fetchImpl?: typeof fetch): Send {
  // ky's own retries are off: retrying is the queue's job, which persists and orders what waits.
  const api = ky.create({ retry: 0, timeout: 10_000, throwHttpErrors: false, fetch: fetchImpl })
  return async (entry, exiting) => {
    const url = `${endpoint}/profile?locationEnrichment=${entry.l}`
    const init = {
      method: 'POST',
      // keepalive lets a request outlive the page (it must stay under 64 KiB, which the queue ensures).
      keepalive: true,
      headers: { authorization: 'Bearer ' + writeKey, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: entry.u, anonymousId: entry.a, properties: entry.p }),
    }
    try {
      // On exit, fetch is called before this function first awaits, within the pagehide handler:
      // ky would only start the request a microtask later.
      const response = await (exiting ? (fetchImpl || fetch)(url, init) : api(url, init))
      const kind = classify(response.status)
      if (kind == 'ok') return { kind, status: response.status }
      let message = ''
      try {
        message = (await response.text()).slice(0, 500)
        const body = JSON.parse(message)
        message = body.message || body.error || message
      } catch {}
      return { kind, status: response.status, retryAfter: response.headers.get('retry-after'), message }
    } catch (error) {
      return { kind: 'retry', status: 0, message: String(error) }
    }
  }
}
