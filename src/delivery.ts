import { retryDelay } from './backoff.js'
import { UserFluxError } from './errors.js'
import { withLock } from './locks.js'
import { BUSY, type Entry, type Queue } from './queue.js'
import type { Answer, Send } from './transport.js'
import type { FlushResult } from './types.js'

export interface Delivery {
  /** Sends within `flushInterval`, so that updates made close together go out as one request. */
  schedule(): void
  flush(): Promise<FlushResult>
  /** The network is back: retry now instead of waiting out the backoff. */
  retryNow(): void
  /** The page is being hidden or left: send what is pending with keepalive, without waiting. */
  sendOnExit(): void
}

interface Timing {
  flushInterval: number
  minRetryDelay: number
  maxRetryDelay: number
}

/**
 * Sends the queue head first, one request at a time across the origin's tabs, and decides from the
 * outcome: remove (2xx), drop and report (other 4xx), pause for the page's life (401/403), or keep
 * and retry with backoff (network errors, 408, 429, 5xx).
 */
export function createDelivery(
  queue: Queue,
  send: Send,
  timing: Timing,
  /** False once the visitor opted out (in any tab): nothing more is sent. */
  allowed: () => boolean,
  report: (error: UserFluxError) => void,
  log: (...args: unknown[]) => void,
): Delivery {
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let attempt = 0
  let draining = false
  let paused: UserFluxError | undefined
  let lastError: UserFluxError | undefined
  // flush() calls waiting: [the last entry queued when it was called, its resolve]
  let waiters: [Entry, (result: FlushResult) => void][] = []

  const settle = (entry: Entry, { status, retryAfter, message }: Answer) => {
    entry[BUSY] = false
    const label = `${status || 'network error'}${message ? ': ' + message : ''}`
    if (status > 199 && status < 300) {
      queue.remove(entry)
      attempt = 0
      log('sent', entry)
      waiters = waiters.filter(([last, resolve]) => queue.entries.includes(last) || resolve({ ok: true }))
    } else {
      let error: UserFluxError
      if (status == 401 || status == 403) {
        error = new UserFluxError('unauthorized', `unauthorized (${label}): sending paused`, status)
        if (!paused) report(error)
        paused = error
      } else if (status && status != 408 && status != 429 && status < 500) {
        // Any other answer (4xx): this update will never be accepted; the rest can be.
        queue.remove(entry)
        report((error = new UserFluxError('rejected', `rejected (${label}): update dropped`, status)))
      } else {
        // No answer, 408, 429, 5xx: worth trying again, later.
        const delay = retryDelay(++attempt, timing.minRetryDelay, timing.maxRetryDelay, retryAfter)
        error = lastError = new UserFluxError('retrying', `failed (${label}): retry in ${delay | 0} ms`, status)
        log(error.message)
        clearTimeout(retryTimer)
        retryTimer = setTimeout(() => {
          retryTimer = undefined
          drain()
        }, delay)
        // Refreshes the write time that tabs without Web Locks judge an abandoned queue by.
        queue.touch()
      }
      for (const [, resolve] of waiters.splice(0)) resolve({ ok: false, error })
    }
    drain()
  }

  const drain = async () => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (draining) return
    draining = true
    try {
      if (!allowed()) queue.clear()
      for (let entry; (entry = queue.entries[0]) && !entry[BUSY] && !paused && !retryTimer; ) {
        entry[BUSY] = true
        const sending = entry
        // One request in flight per origin: tabs take turns, so no server sees two at once from us.
        settle(sending, await withLock('userflux', () => send(sending)))
      }
    } finally {
      draining = false
    }
  }

  return {
    schedule() {
      if (!flushTimer && !draining && !retryTimer && !paused) flushTimer = setTimeout(drain, timing.flushInterval)
    },
    flush: () =>
      new Promise((resolve) => {
        const last = queue.entries[queue.entries.length - 1]
        if (!last) resolve({ ok: true })
        // Honour the backoff: an app calling flush() after every update must not hammer a failing API.
        else if (paused || retryTimer) resolve({ ok: false, error: (paused || lastError)! })
        else waiters.push([last, resolve]), drain()
      }),
    retryNow() {
      if (retryTimer) {
        clearTimeout(retryTimer)
        retryTimer = undefined
        drain()
      }
    },
    sendOnExit() {
      clearTimeout(flushTimer)
      flushTimer = undefined
      // Only the head, and only if nothing is on the wire: requests sent side by side may arrive in
      // any order. A request already on the wire carries on (keepalive); what is left stays
      // persisted for this page, if it lives on, or the next one.
      const entry = queue.entries[0]
      if (entry && !entry[BUSY] && !paused && allowed()) {
        entry[BUSY] = true
        send(entry, true).then((answer) => settle(entry, answer))
      }
    },
  }
}
