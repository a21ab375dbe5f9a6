import { retryDelay } from './backoff.js'
import { SCRIPT_TAG } from '../core/build.js'
import { UserFluxError } from '../core/errors.js'
import type { Ledger } from './ledger.js'
import { withLock } from '../browser/locks.js'
import { BUSY, type Entry, type Queue } from './queue.js'
import { bodyOf, type Answer, type Send } from './transport.js'
import type { FlushResult } from '../types.js'
import { utf8Length } from '../core/validate.js'

export interface Delivery {
  /** Sends within `flushInterval`, so that updates made close together go out as one request. */
  _schedule(): void
  _flush(): Promise<FlushResult>
  /** The network is back: retry now instead of waiting out the backoff. */
  _retryNow(): void
  /** The page is being hidden or left: send what is pending with keepalive, without waiting. */
  _sendOnExit(): void
  /** Opted out (here or in another tab): the queue is emptied and every `flush()` settles. */
  _cleared(): void
  /** The client is destroyed: no timer left, nothing more sent, every `flush()` settles with `why`. */
  _stop?(why: UserFluxError): void
}

export interface DeliveryOptions {
  flushInterval: number
  minRetryDelay: number
  maxRetryDelay: number
  /** False once the visitor opted out (in any tab): nothing more is sent. */
  _allowed(): boolean
  /** Top-level fields added to a body (deviceData, …), and told when they were delivered. */
  _extra?(entry: Entry): object | undefined
  _delivered?(entry: Entry, extra: object | undefined): void
  /** Sending is paused for this page's life (401/403). */
  _paused?(): void
}

/** Keepalive bodies in flight may not exceed 64 KiB per page, the host page's own beacons included. */
const KEEPALIVE_BUDGET = 60 * 1024
/** The largest body a request may have: one that could not leave with keepalive at exit never leaves. */
const MAX_BODY = 63 * 1024
/** Reported once a send has failed this many times in a row: one blip stays quiet, an outage does not. */
const REPORT_AFTER = 3

/**
 * Sends the queue head first, one request at a time across the origin's tabs, and decides from the
 * outcome: remove (2xx), drop and report (other 4xx), pause for the page's life (401/403), or keep
 * and retry with backoff (network errors, timeouts, 408, 429, 5xx).
 */
export function createDelivery(
  queue: Queue,
  send: Send,
  ledger: Ledger,
  options: DeliveryOptions,
  report: (error: UserFluxError) => void,
  log: (...args: unknown[]) => void,
): Delivery {
  const { _allowed: allowed } = options
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let attempt = 0
  let draining = false
  let paused: UserFluxError | undefined
  let lastError: UserFluxError | undefined
  // flush() calls waiting: [the stamp of the newest entry queued when it was called, its resolve].
  // By stamp, not by entry: entries merge when queues are adopted.
  let waiters: [number, (result: FlushResult) => void][] = []

  const settleWaiters = (error?: UserFluxError) => {
    waiters = waiters.filter(([mark, resolve]) =>
      error ? resolve({ ok: false, error }) : queue._entries.some((entry) => entry.s <= mark) || resolve({ ok: true }),
    )
  }

  /** The body of `entry`, or undefined when nothing of it is left to send (or it can never be sent). */
  const prepare = (entry: Entry, extra: object | undefined) => {
    ledger._prune(entry)
    // Identified entries always go: they carry the link between anonymousId and userId.
    if (!entry.u && !Object.keys(entry.p).length) return
    const body = bodyOf(entry, extra)
    if (utf8Length(body) < MAX_BODY) return body
    report(new UserFluxError('rejected', `rejected (body over ${MAX_BODY} bytes): update dropped`))
  }

  // Grows with the body: a 30 KB update takes 12 s on a 20 kbit/s uplink, and gets 40 s.
  const timeout = (body: string) => 10_000 + body.length

  /** `recorded`: the ledger knows already (a send under the lock records before releasing it). */
  const settle = (entry: Entry, { status, _retryAfter: retryAfter, message }: Answer, extra?: object, recorded?: boolean) => {
    entry[BUSY] = false
    const ok = status > 199 && status < 300
    if (ok && !recorded) ledger._record(entry)
    // No longer queued here (opt-out, or adopted by another page while this one was cached).
    if (!queue._entries.includes(entry)) return
    const label = `${status || 'network error'}${message ? ': ' + message : ''}`
    if (ok) {
      options._delivered?.(entry, extra)
      queue._remove(entry)
      attempt = 0
      log('sent', entry)
      settleWaiters()
    } else {
      let error: UserFluxError
      if (status == 401 || status == 403) {
        error = new UserFluxError('unauthorized', `unauthorized (${label}): sending paused`, status)
        if (!paused) report(error), options._paused?.()
        paused = error
      } else if (status && status != 408 && status != 429 && status < 500) {
        // Any other answer (4xx): this update will never be accepted; the rest can be.
        queue._remove(entry)
        report((error = new UserFluxError('rejected', `rejected (${label}): update dropped`, status)))
      } else {
        // No answer, 408, 429, 5xx: worth trying again, later.
        const delay = retryDelay(++attempt, options.minRetryDelay, options.maxRetryDelay, retryAfter)
        error = lastError = new UserFluxError('retrying', `failed (${label}): retry ${attempt} in ${delay | 0} ms`, status)
        attempt == REPORT_AFTER ? report(error) : log(error.message)
        clearTimeout(retryTimer)
        retryTimer = setTimeout(() => {
          retryTimer = undefined
          drain()
        }, delay)
        // Refreshes the write time that tabs without Web Locks judge an abandoned queue by.
        queue._touch()
      }
      settleWaiters(error)
    }
    drain()
  }

  const wipe = () => {
    clearTimeout(flushTimer)
    queue._clear()
    settleWaiters(new UserFluxError('opted-out', 'opted out: nothing sent'))
  }

  const skip = (entry: Entry) => {
    queue._remove(entry)
    settleWaiters()
  }

  const drain = async () => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (draining) return
    draining = true
    try {
      for (let entry; (entry = queue._entries.find((entry) => !entry[BUSY])) && !paused && !retryTimer; ) {
        entry[BUSY] = true
        const sending = entry
        // One request in flight per origin: tabs take turns, so no server sees two at once from us,
        // and the ledger read and written under the lock orders values across tabs.
        const outcome = await withLock('userflux', async () => {
          // Checked at the moment of sending: an opt-out in another tab while this one waited for
          // the lock, or while a slow request was ahead, stops this send.
          if (!allowed()) return
          const extra = options._extra?.(sending)
          const body = prepare(sending, extra)
          if (!body) return
          const answer = await send(sending, body, timeout(body))
          // Before the lock is released: the next tab to send must know this value was delivered.
          if (answer.status > 199 && answer.status < 300) ledger._record(sending)
          return [answer, extra] as const
        })
        if (!allowed()) {
          wipe()
          break
        }
        outcome ? settle(sending, ...outcome, true) : skip(sending)
      }
    } finally {
      draining = false
    }
  }

  return {
    _schedule() {
      if (!flushTimer && !draining && !retryTimer && !paused) flushTimer = setTimeout(drain, options.flushInterval)
    },
    _flush: () =>
      new Promise((resolve) => {
        const marks = queue._entries.map((entry) => entry.s)
        // Honour the backoff: an app calling flush() after every update must not hammer a failing API.
        if (paused || retryTimer) resolve({ ok: false, error: (paused || lastError)! })
        else if (!marks.length) resolve({ ok: true })
        else waiters.push([Math.max(...marks), resolve]), drain()
      }),
    _retryNow() {
      if (retryTimer) {
        clearTimeout(retryTimer)
        retryTimer = undefined
        drain()
      }
    },
    _sendOnExit() {
      clearTimeout(flushTimer)
      flushTimer = undefined
      if (paused || !allowed()) return
      // Everything waiting, in order, within the keepalive budget: the page may never run again.
      // Requests sent side by side may arrive in any order, so no two of them carry the same key of
      // the same visitor: an earlier entry gives up the keys a later one sets (the later value is
      // the one that must win). The lock cannot be waited for here; the ledger still applies.
      const waiting = queue._entries.filter((entry) => !entry[BUSY])
      let budget = KEEPALIVE_BUDGET
      waiting.forEach((entry, index) => {
        for (const later of waiting.slice(index + 1)) {
          if (later.a == entry.a) for (const name in later.p) delete entry.p[name], delete entry.t[name]
        }
        const extra = options._extra?.(entry)
        const body = prepare(entry, extra)
        if (!body) return skip(entry)
        if ((budget -= utf8Length(body)) < 0) return
        entry[BUSY] = true
        send(entry, body, timeout(body), true).then((answer) => settle(entry, answer, extra))
      })
      // Given up keys are persisted as such: what stays for the next page is what is still to send.
      queue._touch()
    },
    _cleared: wipe,
    // Not in the script tag, whose client is never destroyed (src/core/build.ts).
    ...(!SCRIPT_TAG && {
      _stop(why: UserFluxError) {
        clearTimeout(flushTimer)
        clearTimeout(retryTimer)
        // As a pause that never lifts: drain, _schedule and _sendOnExit all stop at it.
        paused = why
        settleWaiters(why)
      },
    }),
  }
}
