/**
 * Test control of the local API (only with `control: true`): scripted faults for the next
 * POST /profile requests, a "hang" switch, and a log of what arrived and how it was answered.
 * A fault is taken by the next POST /profile whose body was read (a 413 takes none), before
 * authentication and validation: a server that is down answers 503 whatever the request.
 * End-to-end tests use it to prove the client's delivery guarantees against a misbehaving server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { isPlainObject } from './validate.js'

/** The header that carries the test token on every /__test/ request. */
export const TOKEN_HEADER = 'x-uf-test-token'

/** How many POSTs the request log keeps (the oldest go first), so a long run cannot fill the memory. */
export const MAX_LOGGED_POSTS = 2000

/**
 * How many bytes of logged POSTs (headers, query and body, as UTF-8) the log keeps, the oldest going
 * first: a count alone lets 2,000 bodies of 1 MiB pile up. The snippet's bodies stay under 64 KB, so
 * this holds hundreds of them.
 */
export const MAX_LOGGED_BYTES = 16 * 1024 * 1024

/** The bytes an entry is charged: what it weighs once sent as JSON, near enough. */
const weigh = (entry, bodyBytes) => Buffer.byteLength(JSON.stringify(entry.headers)) + Buffer.byteLength(JSON.stringify(entry.query)) + bodyBytes + 64

/**
 * The token of the /__test/ routes: the one given, else UF_TEST_TOKEN, else a random one, published in
 * process.env.UF_TEST_TOKEN so that test code in the same process (tests/e2e/harness.ts) finds it.
 * @param {string | undefined} given
 */
export function resolveTestToken(given) {
  if (given) return given
  process.env.UF_TEST_TOKEN ||= randomBytes(18).toString('base64url')
  return process.env.UF_TEST_TOKEN
}

/** Whether a request carries the test token (compared in constant time). */
export function hasTestToken(request, token) {
  const sent = Buffer.from(String(request.headers[TOKEN_HEADER] ?? ''))
  const expected = Buffer.from(token)
  return sent.length == expected.length && timingSafeEqual(sent, expected)
}

/**
 * Headers as logged: Authorization is redacted, except the Write Only key, which is public by design
 * (it ships in every page) and which tests check the client sends. The Read + Write key, or any other
 * credential, never shows in the log.
 */
export function redactHeaders(headers, writeKey) {
  const copy = { ...headers }
  if (copy.authorization !== undefined && copy.authorization != `Bearer ${writeKey}`) copy.authorization = '[redacted]'
  return copy
}

/**
 * @typedef {object} Fault
 * @property {number} [status] answer this status instead of handling the request (2xx: handle it, then answer this status)
 * @property {string} [retryAfter] the Retry-After header sent with `status`
 * @property {unknown} [body] the JSON body sent with `status` (default: a JSON error)
 * @property {number} [delayMs] wait this long before answering (or dropping)
 * @property {boolean} [drop] destroy the connection without an answer, after reading the body
 * @property {number} [times] how many consecutive requests this fault applies to (default 1)
 */

/**
 * @typedef {object} LoggedPost
 * @property {number} at arrival time, epoch ms
 * @property {Record<string, string>} query
 * @property {Record<string, string | string[] | undefined>} headers
 * @property {unknown} body parsed JSON, or the raw text when it is not JSON (null while it is still arriving, when too
 *   large, and when the request had no valid key: what an unauthenticated caller sends is never kept)
 * @property {number | 'dropped' | null} status what it answered; null while held or when the client went away first
 */

/**
 * Checks one fault from POST /__test/faults.
 * @returns {string | undefined} what is wrong, if anything
 */
export function faultProblem(fault) {
  if (!isPlainObject(fault)) return 'each fault must be an object'
  if (fault.status !== undefined && !(Number.isInteger(fault.status) && fault.status >= 200 && fault.status <= 599)) return 'status must be an HTTP status (200-599)'
  if (fault.retryAfter !== undefined && typeof fault.retryAfter != 'string') return 'retryAfter must be a string'
  if (fault.delayMs !== undefined && !(Number.isFinite(fault.delayMs) && fault.delayMs >= 0)) return 'delayMs must be a number >= 0'
  if (fault.drop !== undefined && typeof fault.drop != 'boolean') return 'drop must be a boolean'
  if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times >= 1)) return 'times must be an integer >= 1'
  return undefined
}

/** @param {{ maxPosts?: number, maxBytes?: number }} [options] */
export function createTestControl({ maxPosts = MAX_LOGGED_POSTS, maxBytes = MAX_LOGGED_BYTES } = {}) {
  /** @type {Fault[]} one entry per request still to be hit: `times` is expanded on arrival */
  let faults = []
  /** @type {LoggedPost[]} */
  let posts = []
  /** What each logged entry is charged, and their sum. */
  let weights = new WeakMap()
  let bytes = 0
  /** Drops the oldest entries until the log fits both bounds; the newest stays whatever it weighs. */
  const trim = () => {
    while (posts.length > maxPosts || (bytes > maxBytes && posts.length > 1)) {
      const oldest = /** @type {LoggedPost} */ (posts.shift())
      bytes -= weights.get(oldest) ?? 0
      weights.delete(oldest)
    }
  }
  let preflights = 0
  let gets = 0
  let hanging = false
  /** Requests held open while hanging: released (destroyed) when hanging is turned off. */
  const held = new Set()

  return {
    /** @param {Fault[]} list */
    addFaults(list) {
      for (const { times = 1, ...fault } of list) for (let i = 0; i < times; i++) faults.push(fault)
    },
    /** The fault for the next POST /profile, if any. */
    takeFault: () => faults.shift(),
    pendingFaults: () => faults.length,

    /** @returns {LoggedPost} the new entry, to be completed when answered */
    logPost(entry) {
      const weight = weigh(entry, 0)
      posts.push(entry)
      weights.set(entry, weight)
      bytes += weight
      trim()
      return entry
    },
    /**
     * Puts an authenticated request's body into its entry, charged `size` bytes (the body as received).
     * An entry already dropped from the log is left alone.
     */
    setBody(entry, body, size) {
      entry.body = body
      if (!weights.has(entry)) return
      const weight = weigh(entry, size)
      bytes += weight - /** @type {number} */ (weights.get(entry))
      weights.set(entry, weight)
      trim()
    },
    /** The bytes the log is charged now (at most maxBytes, or the newest entry alone). */
    loggedBytes: () => bytes,
    countPreflight: () => void preflights++,
    countGet: () => void gets++,
    requests: () => ({ posts, preflights, gets }),

    get hanging() {
      return hanging
    },
    /** Turns hanging on or off; off destroys the held connections, as a network that gave up would. */
    setHanging(on) {
      hanging = on
      if (!on) this.releaseHeld()
    },
    /** @param {{ entry: LoggedPost, request: import('node:http').IncomingMessage }} hold */
    hold(hold) {
      held.add(hold)
      hold.request.socket.once('close', () => held.delete(hold))
    },
    releaseHeld() {
      for (const { entry, request } of held) {
        entry.status = 'dropped'
        request.socket.destroy()
      }
      held.clear()
    },

    reset() {
      faults = []
      posts = []
      weights = new WeakMap()
      bytes = 0
      preflights = 0
      gets = 0
      hanging = false
      this.releaseHeld()
    },
  }
}
