import { SCRIPT_TAG } from '../core/build.js'
import { UserFluxError } from '../core/errors.js'
import { utf8Length } from '../core/validate.js'
import { withLock } from '../browser/locks.js'
import type { FlushResult } from '../types.js'
import { retryDelay } from './backoff.js'
import { BUSY, dropKey, type Entry } from './entry.js'
import type { Ledger } from './ledger.js'
import { outcomeOf } from './outcome.js'
import type { Queue } from './queue.js'
import { bodyOf, type Answer, type Send } from './transport.js'
import { wireLeft } from './wire-clock.js'

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
  /** Entries came or went (adoption, a restore from the back/forward cache): send, and answer the `flush()` calls whose entries are gone. */
  _adopted(): void
  /** The client is destroyed: no timer left, nothing more sent, every `flush()` settles with `why`. */
  _stop?(why: UserFluxError): void
}

export interface DeliveryOptions {
  flushInterval: number
  /** Milliseconds a delivered value is not sent again (`resendAfter`). */
  resendAfter: number
  minRetryDelay: number
  maxRetryDelay: number
  /** False once the visitor opted out (in any tab), or while consent is pending: nothing is sent. */
  _allowed(): boolean
  /** True when the visitor opted out: what is queued is erased (pending keeps it). */
  _denied?(): boolean
  /** Top-level fields added to a body (deviceData, …), and told when they were delivered. */
  _extra?(entry: Entry): object | undefined
  _delivered?(entry: Entry, extra: object | undefined): void
  /** Sending is paused for this page's life (401/403). */
  _paused?(): void
  /** Whether the queue outlives the page (else what the exit send leaves behind is lost with it). */
  _lasting?(): boolean
  /** Other pages' stored entries (tabs.ts): what they, or a page gone, may have on the wire. */
  _elsewhere?(): readonly Entry[]
  /** Runs `task`, reporting instead of throwing: timers and callbacks must never throw into the page. */
  _safely<A extends unknown[]>(task: (...args: A) => void): (...args: A) => void
}

/** Keepalive bodies in flight may not exceed 64 KiB per page (Fetch spec), the host page's own beacons included. */
const KEEPALIVE_BUDGET = 60 * 1024
/** The largest body a request may have: one that could not leave with keepalive at exit never leaves. */
const MAX_BODY = 63 * 1024
/** Reported once a send has failed this many times in a row: one blip stays quiet, an outage does not. */
const REPORT_AFTER = 3
/** A request may take 10 s, plus 1 ms per byte: a 30 KB update takes 12 s on a 20 kbit/s uplink, and gets 40 s. */
const BASE_TIMEOUT = 10_000

/**
 * The keepalive bytes in flight from this page, shared by every client on it (two builds included):
 * the 64 KiB quota is the page's, not a client's.
 */
const KEEPALIVE_IN_FLIGHT = Symbol.for('userflux-snippet.keepalive')
const page = globalThis as { [KEEPALIVE_IN_FLIGHT]?: number }
/**
 * A body this small goes with keepalive even while the page lives: a page closed while it is on
 * the wire does not cancel it (with `storage: 'memory'` nothing else would keep it). Larger ones
 * leave the page's quota to its own beacons.
 */
const KEEPALIVE_SMALL = 16 * 1024

/** Takes `bytes` of the page's keepalive budget: false, nothing taken, when they do not fit. */
const reserve = (bytes: number) => {
  const inFlight = page[KEEPALIVE_IN_FLIGHT] || 0
  if (inFlight + bytes > KEEPALIVE_BUDGET) return false
  page[KEEPALIVE_IN_FLIGHT] = inFlight + bytes
  return true
}
const release = (bytes: number) => {
  page[KEEPALIVE_IN_FLIGHT]! -= bytes
}

/** Marks an entry sent by the exit send: on the wire without the lock, so nothing of its keys goes beside it. */
const EXITING = Symbol()
/** The longest a request may take (BASE_TIMEOUT for the largest body): a `wireUntil` further ahead means the clock went back. */
const LONGEST = BASE_TIMEOUT + MAX_BODY

/** The (visitor, key) pairs an entry writes on the server, by anonymousId and by userId. */
const writes = (entry: Entry) => {
  const pairs: string[] = []
  for (const name of Object.keys(entry.properties)) {
    pairs.push('a' + entry.anonymousId + '\u0000' + name)
    if (entry.userId) pairs.push('u' + entry.userId + '\u0000' + name)
  }
  return pairs
}

/**
 * Sends the queue head first, one request at a time across the origin's tabs, and decides from the
 * outcome (outcome.ts): remove, drop and report, pause for the page's life, or keep and retry with
 * backoff.
 */
export function createDelivery(
  queue: Queue,
  send: Send,
  ledger: Ledger,
  options: DeliveryOptions,
  report: (error: UserFluxError) => void,
  log: (...args: unknown[]) => void,
): Delivery {
  const { _allowed: allowed, _safely: safely } = options
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let retryAt = 0
  let attempt = 0
  let draining = false
  let paused: UserFluxError | undefined
  let lastError: UserFluxError | undefined
  // flush() calls waiting: [the stamp of the newest entry queued when it was called, its resolve].
  // By stamp, not by entry: entries merge when queues are adopted.
  let waiters: [number, (result: FlushResult) => void][] = []

  const failed = (error: UserFluxError): FlushResult => ({ ok: false, error, ...(retryTimer && { retryAt }) })
  const settleWaiters = (error?: UserFluxError) => {
    waiters = waiters.filter(([mark, resolve]) =>
      error ? resolve(failed(error)) : queue._entries.some((entry) => entry.firstStamp <= mark) || resolve({ ok: true }),
    )
  }

  /** The body of `entry`, or undefined when nothing of it is left to send (or it can never be sent). */
  /** `others`: the entries of every other page's stored queue (read once per send: each read parses them all). */
  const prepare = (entry: Entry, extra: object | undefined, others: readonly Entry[]) => {
    ledger._prune(entry)
    // Another page sent a newer value of one of its keys, and no answer was seen (its page closed or
    // cached): it may have landed, and if not, that page's queue still holds it and sends it again.
    // Either way this older value must not go after it (found case B1).
    for (const other of others)
      if (other.wireUntil && other.anonymousId == entry.anonymousId) entry.stamps.forEach((stamp, name) => (other.stamps.get(name) ?? 0) > stamp && dropKey(entry, name))
    ledger._unchanged(entry, options.resendAfter)
    // An identify() of a new user always goes: it carries the link between anonymousId and userId.
    if (!entry.link && !Object.keys(entry.properties).length) return
    const body = bodyOf(entry, extra)
    if (utf8Length(body) < MAX_BODY) return body
    report(new UserFluxError('rejected', `rejected (body over ${MAX_BODY} bytes): update dropped`))
  }

  const timeout = (body: string) => BASE_TIMEOUT + body.length

  /**
   * Until when `entry` must wait (0: it may go): while a request that carries a value of one of its
   * keys for its visitor may still be on the wire with no page left to see its answer (`wireUntil`,
   * of this page's entries or another page's), a send beside it could land first and the older value
   * last. Sent again after that, an unchanged value is only a repeat.
   * -1: until another page's queue changes, while it holds an earlier identify link of this entry's
   * user under another anonymousId, never sent (signed in again after a reset, another user in
   * between): the API folds that link's anonymous profile into the user's over the user's own values,
   * so the link must land first (found case L2). That page sends it, or this one adopts it.
   */
  const heldUntil = (entry: Entry, others: readonly Entry[]) => {
    const now = Date.now()
    let until = 0
    const keys = Object.keys(entry.properties)
    for (const other of [...queue._entries, ...others]) {
      const left = other.wireUntil ? wireLeft(other.wireUntil) : 0
      if (entry.userId && other.link && other.userId == entry.userId && other.anonymousId != entry.anonymousId && other.firstStamp < entry.firstStamp) {
        // Never sent: wait for it. Sent, its answer unseen: until it is surely done (then presumed
        // landed; sent again, a link already made changes nothing).
        if (!other.wireUntil) return -1
        if (left > 0 && left <= LONGEST) until = Math.max(until, now + left)
      }
      if (left <= 0 || left > LONGEST || other.anonymousId != entry.anonymousId) continue
      if (other === entry || (entry.link && other.link) || keys.some((name) => other.stamps.has(name))) until = Math.max(until, now + left)
    }
    return until
  }
  /** A keepalive body goes, that may outlive the page: other pages hold its keys back until it is surely done. */
  const onWire = (entry: Entry, body: string) => {
    entry.wireUntil = Date.now() + timeout(body)
  }

  /** `recorded`: the ledger knows already (a send under the lock records before releasing it). */
  const settle = (entry: Entry, { status, _retryAfter: retryAfter, message }: Answer, extra?: object, recorded?: boolean) => {
    entry[BUSY] = false
    // Answered: nothing of it is on the wire any more.
    entry.wireUntil = undefined
    const outcome = outcomeOf(status)
    if (outcome == 'sent' && !recorded) ledger._record(entry)
    // No longer queued here (opt-out, or adopted by another page while this one was cached): a
    // flush() waiting for it settles all the same once nothing older is queued (found case F9c).
    if (!queue._entries.includes(entry)) return settleWaiters()
    const label = `${status || 'network error'}${message ? ': ' + message : ''}`
    if (outcome == 'sent') {
      options._delivered?.(entry, extra)
      queue._remove(entry)
      attempt = 0
      log('sent', entry)
      settleWaiters()
    } else {
      let error: UserFluxError
      if (outcome == 'paused') {
        error = new UserFluxError('unauthorized', `unauthorized (${label}): sending paused`, status)
        if (!paused) {
          report(error)
          options._paused?.()
        }
        paused = error
      } else if (outcome == 'rejected') {
        queue._remove(entry)
        report((error = new UserFluxError('rejected', `rejected (${label}): update dropped`, status)))
      } else {
        const delay = retryDelay(++attempt, options.minRetryDelay, options.maxRetryDelay, retryAfter)
        error = lastError = new UserFluxError('retrying', `failed (${label}): retry ${attempt} in ${delay | 0} ms`, status)
        // Said as it happens in debug mode, and reported once an outage is clear.
        log(error.message)
        if (attempt == REPORT_AFTER) report(error)
        clearTimeout(retryTimer)
        retryAt = Math.ceil(Date.now() + delay)
        retryTimer = setTimeout(
          safely(() => {
            retryTimer = undefined
            drain()
          }),
          delay,
        )
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

  /**
   * One entry under the origin-wide send lock: its answer and extra fields; undefined when nothing of
   * it was left to send; null when it is no longer this loop's (the exit send took it while this
   * waited for the lock, or it was dropped); a time when it must wait until then (`heldUntil`).
   */
  const sendLocked = (entry: Entry) =>
    // One request in flight per origin: tabs take turns, so no server sees two at once from us,
    // and the ledger read and written under the lock orders values across tabs.
    withLock('userflux', async () => {
      // Busy only once the lock is held: a page closed while it waits still sends the entry at exit.
      if (entry[BUSY] || !queue._entries.includes(entry)) return null
      entry[BUSY] = true
      try {
        // Checked at the moment of sending: an opt-out in another tab while this one waited for
        // the lock, or while a slow request was ahead, stops this send.
        if (!allowed()) return
        const others = options._elsewhere?.() ?? []
        const until = heldUntil(entry, others)
        if (until) {
          entry[BUSY] = false
          return until
        }
        const extra = options._extra?.(entry)
        const body = prepare(entry, extra, others)
        if (!body) return
        const bytes = utf8Length(body)
        const keepalive = bytes <= KEEPALIVE_SMALL && reserve(bytes)
        // Kept by the browser if the page closes meanwhile: stored as on the wire until answered.
        if (keepalive) {
          onWire(entry, body)
          queue._touch()
        }
        const answer = await send(entry, body, timeout(body), keepalive)
        if (keepalive) release(bytes)
        // Before the lock is released: the next tab to send must know this value was delivered.
        if (outcomeOf(answer.status) == 'sent') ledger._record(entry)
        return [answer, extra] as const
      } catch (error) {
        // Never rejected: the lock helper would run the task again, and the entry be sent twice.
        report(new UserFluxError('internal', String(error)))
        entry[BUSY] = false
      }
    })

  const drain = async () => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (draining) return
    draining = true
    try {
      for (let entry; (entry = queue._entries.find((entry) => !entry[BUSY])) && !paused && !retryTimer; ) {
        // Not while an exit send of this page that writes one of its keys is on the wire: requests
        // side by side may land in any order. Its answer (or its timeout) drains again.
        const next = writes(entry)
        if (queue._entries.some((other) => other[EXITING] && writes(other).some((pair) => next.includes(pair)))) break
        const sending = entry
        const outcome = await sendLocked(sending)
        if (!allowed()) {
          // Denied: nothing of it may stay. Pending (the choice removed, the page's default
          // pending): it waits, in memory, for the answer.
          if (options._denied?.() ?? true) wipe()
          else sending[BUSY] = false
          break
        }
        if (typeof outcome == 'number') {
          // Tried again once what may be on the wire is surely done (or, at -1, once another page's
          // queue changes: tabs.ts tells).
          if (outcome > 0) flushTimer = setTimeout(safely(drain), outcome - Date.now())
          break
        }
        if (outcome) settle(sending, ...outcome, true)
        else if (outcome === undefined) skip(sending)
      }
    } catch (error) {
      report(new UserFluxError('internal', String(error)))
    } finally {
      draining = false
    }
  }

  const delivery: Delivery = {
    _schedule() {
      if (!flushTimer && !draining && !retryTimer && !paused) flushTimer = setTimeout(safely(drain), options.flushInterval)
    },
    _flush: () =>
      new Promise((resolve) => {
        const marks = queue._entries.map((entry) => entry.firstStamp)
        // Due (the app waited until `retryAt`, and its timer ran before ours): this call is the
        // retry, so that a loop waiting for `retryAt` never finds the backoff still on and spins.
        if (retryTimer && Date.now() >= retryAt) {
          clearTimeout(retryTimer)
          retryTimer = undefined
        }
        // Honour the backoff: an app calling flush() after every update must not hammer a failing
        // API; `retryAt` says when trying again is worth it.
        if (paused || retryTimer) resolve(failed((paused || lastError)!))
        else if (!marks.length) resolve({ ok: true })
        else {
          waiters.push([Math.max(...marks), resolve])
          drain()
        }
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
      // What is waiting, in order, within the page's keepalive budget: the page may never run again.
      // Requests sent side by side may arrive in any order, so an entry goes only when no request
      // of this page on the wire, nor an earlier entry, writes one of its keys for the same visitor:
      // the others stay queued, for this page or the next, and keep their order.
      // The identify link of a visitor also waits for that visitor's earlier entries: the server
      // sees the anonymous updates before the link, in call order.
      // Where the queue cannot outlive the page (memory, broken storage), nothing may stay behind:
      // everything goes, and an earlier entry gives up the keys a later one of the same visitor sets.
      const lasting = options._lasting?.() ?? true
      const waiting = queue._entries.filter((entry) => !entry[BUSY])
      const others = options._elsewhere?.() ?? []
      const taken = new Set<string>()
      for (const entry of queue._entries) if (entry[BUSY]) for (const pair of [...writes(entry), 'v' + entry.anonymousId]) taken.add(pair)
      for (const [index, entry] of waiting.entries()) {
        if (!lasting) for (const later of waiting.slice(index + 1)) if (later.anonymousId == entry.anonymousId) later.stamps.forEach((_, name) => dropKey(entry, name))
        const pairs = writes(entry)
        const free = !lasting || (pairs.every((pair) => !taken.has(pair)) && !(entry.link && taken.has('v' + entry.anonymousId)) && !heldUntil(entry, others))
        for (const pair of [...pairs, 'v' + entry.anonymousId]) taken.add(pair)
        if (!free) continue
        const extra = options._extra?.(entry)
        const body = prepare(entry, extra, others)
        if (!body) {
          skip(entry)
          continue
        }
        const bytes = utf8Length(body)
        if (!reserve(bytes)) continue
        entry[BUSY] = entry[EXITING] = true
        onWire(entry, body)
        send(entry, body, timeout(body), true, true).then(
          safely((answer: Answer) => {
            release(bytes)
            entry[EXITING] = false
            settle(entry, answer, extra)
          }),
        )
      }
      queue._touch()
      // What stayed (held for a request on the wire) goes once it may: the page may live on, hidden
      // (found case F9d: the hold's timer was cleared above, and a flush() waited for ever).
      delivery._schedule()
    },
    _cleared: wipe,
    _adopted() {
      settleWaiters()
      delivery._schedule()
    },
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
  return delivery
}

