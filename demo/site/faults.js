/**
 * The demo's fault switches, run on the demo server against the local API's fault injection
 * (/__test/faults, token in a header the browser never sees). The API's faults apply to the next
 * POST /profile requests, one each, and cannot be withdrawn; a switch is "on until turned off", so:
 * while one is on, a few faults are kept queued (topped up as requests take them), and turning it off
 * takes the leftovers with throwaway requests (marked `?demo=drain`, hidden from the demo's log), so
 * no stale 401 pauses a page after the switch says off.
 */
/** What each switch queues in the API, and what the page says about it. */
export const FAULTS = {
  off: { fault: undefined, short: 'Off', label: 'off, the API answers normally' },
  down: { fault: { drop: true }, short: 'API down', label: 'API down, connections dropped without an answer' },
  'retry-after': { fault: { status: 503, retryAfter: '5' }, short: '503 + Retry-After: 5', label: '503 Service Unavailable with Retry-After: 5' },
  unauthorized: { fault: { status: 401 }, short: '401', label: '401 Unauthorized (the client pauses sending for this page; reload once off)' },
  slow: { fault: { delayMs: 4000 }, short: 'Slow (4 s)', label: 'slow, every answer takes 4 s' },
}

/** Faults kept queued while a switch is on: more than one, so two pages sending at once both meet it. */
const KEEP_QUEUED = 3
/** How often the queue is topped up; well under the client's shortest retry (0.5 s). */
const TOP_UP_MS = 150

/**
 * @param {{ apiUrl: string, testToken: string | undefined }} options
 */
export function createFaultSwitch({ apiUrl, testToken }) {
  let mode = 'off'
  let timer
  // Every change to the API's fault queue runs in turn: a top-up never races a drain.
  let chain = Promise.resolve()
  const inTurn = (task) => (chain = chain.then(task, task))

  const control = (path, body) =>
    fetch(`${apiUrl}/__test/${path}`, {
      method: 'POST',
      headers: { 'x-uf-test-token': testToken ?? '', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`POST /__test/${path} → ${response.status}`)
      return response.json()
    })

  /** Faults queued in the API now (adding none). */
  const pending = async () => (await control('faults', { faults: [] })).pending

  const topUp = async () => {
    const fault = FAULTS[mode].fault
    if (!fault) return
    const missing = KEEP_QUEUED - (await pending())
    if (missing > 0) await control('faults', { faults: [{ ...fault, times: missing }] })
  }

  /** Takes every queued fault with a request that stores nothing (no key: a 401 if no fault is left). */
  const drain = async () => {
    const count = await pending()
    const take = () =>
      fetch(`${apiUrl}/profile?demo=drain`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
        .then((response) => response.arrayBuffer())
        .catch(() => {}) // a dropped connection is the fault doing its job
    await Promise.all(Array.from({ length: count }, take))
  }

  const tick = () => {
    timer = setTimeout(() => inTurn(topUp).catch(() => {}).finally(() => mode != 'off' && tick()), TOP_UP_MS)
  }

  return {
    get available() {
      return Boolean(testToken)
    },
    get mode() {
      return mode
    },
    /** Sets the switch; resolves once the API's fault queue matches it. */
    set(next) {
      if (!Object.hasOwn(FAULTS, next)) return Promise.reject(new RangeError(`unknown fault ${next}`))
      return inTurn(async () => {
        clearTimeout(timer)
        mode = 'off'
        await drain()
        mode = next
        if (next != 'off') {
          await topUp()
          tick()
        }
      })
    },
    async close() {
      clearTimeout(timer)
      mode = 'off'
      await chain.catch(() => {})
    },
  }
}
