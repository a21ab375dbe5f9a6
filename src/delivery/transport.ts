import ky from 'ky'
import type { Entry } from './entry.js'

/** What the API answered to one send. The status decides: a resolved `fetch` is not a success. */
export interface Answer {
  /** HTTP status; 0 when no answer came (network error, timeout). */
  status: number
  _retryAfter?: string | null
  /** The API's error message, or the network error. */
  message?: string
}

/**
 * Sends one entry. `timeout` bounds the whole exchange, body included: a server that stalls must
 * not hold the origin-wide send lock. `keepalive`: the request outlives the page (the caller keeps
 * within the page's keepalive budget). `exiting`: the page is being left (keepalive, and `fetch` called
 * before anything is awaited). `body` is the JSON that goes.
 */
export type Send = (entry: Entry, body: string, timeout: number, keepalive?: boolean, exiting?: boolean) => Promise<Answer>

/** The JSON body of one entry; `extra` adds top-level fields (deviceData, externalId). */
export const bodyOf = (entry: Entry, extra?: object) =>
  JSON.stringify({
    userId: entry.userId,
    anonymousId: entry.anonymousId,
    properties: entry.properties,
    ...(entry.externalId && { externalId: entry.externalId }),
    ...extra,
  })

/** `POST {endpoint}/profile` of one entry, with the Write Only key. */
export function createTransport(endpoint: string, writeKey: string, fetchImpl?: typeof fetch): Send {
  // Called as a plain function: ky calls `options.fetch(…)` as a method, which makes the browser's
  // own `window.fetch` throw "Illegal invocation".
  const fetcher: typeof fetch = (input, init) => (fetchImpl || fetch)(input, init)
  // ky's own retries and timeout are off: retrying is the queue's job, which persists and orders
  // what waits, and the timeout below covers the body too.
  // The script tag build keeps only the parts of ky this call uses (KY_CUTS in rollup.config.mjs):
  // an option added here must be checked against those cuts.
  const api = ky.create({ retry: 0, timeout: false, throwHttpErrors: false, fetch: fetcher })
  return async (entry, body, timeout, keepalive, exiting) => {
    const url = `${endpoint}/profile?locationEnrichment=${entry.locationEnrichment}`
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const init = {
      method: 'POST',
      // Keepalive requests share a 64 KiB budget with the host page's own beacons: the caller decides.
      keepalive: !!(keepalive || exiting),
      headers: { authorization: 'Bearer ' + writeKey, 'content-type': 'application/json' },
      body,
      signal: abort.signal,
    }
    const exchange = async (): Promise<Answer> => {
      try {
        // On exit, fetch is called before this function first awaits, within the pagehide handler:
        // ky would only start the request a microtask later.
        const response = await (exiting ? fetcher(url, init) : api(url, init))
        if (response.ok) return { status: response.status }
        // The API's error body, as it came: what a developer needs to see to fix the call.
        const message = (await response.text().catch(() => '')).slice(0, 300)
        return { status: response.status, _retryAfter: response.headers.get('retry-after'), message }
      } catch (error) {
        return { status: 0, message: String(error) }
      }
    }
    const timedOut = new Promise<Answer>((resolve) => {
      timer = setTimeout(() => {
        abort.abort()
        resolve({ status: 0, message: `timeout after ${timeout} ms` })
      }, timeout)
    })
    const answer = await Promise.race([exchange(), timedOut])
    clearTimeout(timer)
    return answer
  }
}
