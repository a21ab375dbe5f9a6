// One sample of one workload on one SDK: a new browser context (no cache, no storage), a fresh page,
// the SDK's script, then the workload's calls in one task, timed in the page; then what arrived at
// the sink. What users meet is the first client of a fresh page, so nothing is warmed up first.
import { newVisitorContext } from './chromium.mjs'
import { delivered } from './sink.mjs'
import { USER } from './workloads.mjs'

// Counts storage writes (localStorage, sessionStorage, document.cookie) and long tasks from the start.
const INIT = () => {
  const bench = (window.__bench = { writes: 0, longTasks: [] })
  for (const name of ['setItem', 'removeItem', 'clear']) {
    const original = Storage.prototype[name]
    Storage.prototype[name] = function (...args) {
      bench.writes++
      return original.apply(this, args)
    }
  }
  const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')
  Object.defineProperty(Document.prototype, 'cookie', {
    get: cookie.get,
    set(value) {
      bench.writes++
      cookie.set.call(this, value)
    },
  })
  new PerformanceObserver((list) => bench.longTasks.push(...list.getEntries().map((e) => ({ start: e.startTime, duration: e.duration })))).observe({ type: 'longtask', buffered: true })
}

/** Opens a fresh page in `context` and loads the SDK; resolves with its timings. */
export async function openWithSdk(context, site, sink, sdk) {
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error.message))
  // What an SDK says when it drops or retries (rate limits, bot filters): the reason behind a loss.
  page.on('console', (message) => ['error', 'warning'].includes(message.type()) && errors.push(`console.${message.type()}: ${message.text().slice(0, 200)}`))
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  await page.goto(site.url + '/')
  const scriptTime = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name == 'ScriptDuration').value * 1000
  const before = await scriptTime()
  const load = await page.evaluate(
    async ([src, attributes, glue, sinkUrl]) => {
      const t0 = performance.now()
      await new Promise((resolve, reject) => {
        const script = document.createElement('script')
        script.src = src
        for (const [name, value] of Object.entries(attributes)) script.setAttribute(name, value)
        script.onload = resolve
        script.onerror = () => reject(new Error('could not load ' + src))
        document.head.append(script)
      })
      const evaluated = performance.now()
      if (glue) (0, eval)(glue)
      await window.__sdk.start(sinkUrl)
      const ready = performance.now()
      const fetched = performance.getEntriesByType('resource').find((entry) => entry.name == src)?.responseEnd ?? t0
      return { evaluation: evaluated - fetched, ready: ready - fetched, isolated: crossOriginIsolated }
    },
    [`${site.url}/sdk/${sdk.name}.js`, sdk.attributes?.(sink.url) ?? {}, sdk.glue ?? '', sink.url],
  )
  load.scriptMs = (await scriptTime()) - before
  return { page, cdp, load, errors }
}

/** How long a workload's calls may take (BENCH_CALLS_LIMIT_MS, default 90 s). */
const CALLS_LIMIT_MS = Number(process.env.BENCH_CALLS_LIMIT_MS || 90_000)

/** Runs `workload` once on a fresh page; returns its measures. */
export async function runSample(browser, site, sink, sdk, workload) {
  const context = await newVisitorContext(browser)
  await context.addInitScript(INIT)
  try {
    const { page, load, errors } = await openWithSdk(context, site, sink, sdk)
    if (!load.isolated) throw new Error('the bench page is not cross-origin isolated: timings would be 100 µs coarse')
    // identify first, in its own task, as a page does after load; then the workload in one task.
    if (!workload.identify) await page.evaluate((user) => window.__sdk.identify(user), USER)
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)))
    sink.reset()
    await page.evaluate(() => (window.__bench.writes = 0))
    let timer
    const calls = page.evaluate(
      async ([argsSource, count, identify, user]) => {
        const make = (0, eval)(argsSource)
        const args = Array.from({ length: count }, (_, i) => make(i))
        const sdk = window.__sdk
        const start = performance.now()
        if (identify) for (let i = 0; i < count; i++) sdk.identify(user, args[i])
        else for (let i = 0; i < count; i++) sdk.set(args[i])
        const calls = performance.now() - start
        // Work an SDK defers to a microtask (persisting a queue) is still this task's.
        await null
        await null
        const end = performance.now()
        // JSON.stringify of the same arguments, in the same page, after the SDK (which met a fresh
        // page): passes repeated for at least 2 ms, the mean pass, so that a single call's figure is
        // not one 5 µs timer tick.
        let length = 0
        let passes = 0
        const s0 = performance.now()
        do {
          for (let i = 0; i < count; i++) length += JSON.stringify(args[i]).length
          passes++
        } while (performance.now() - s0 < 2)
        const stringify = (performance.now() - s0) / passes
        return { calls, task: end - start, end, stringify, length, writes: window.__bench.writes }
      },
      [workload.args, workload.count, !!workload.identify, USER],
    )
    // Some SDKs take minutes and gigabytes on the 10,000-update burst: past the limit the sample stops
    // (closing the context frees the page) and is reported as such.
    const loop = await Promise.race([calls, new Promise((resolve) => (timer = setTimeout(resolve, CALLS_LIMIT_MS, null)))])
    clearTimeout(timer)
    if (!loop) {
      calls.catch(() => {})
      const expected = workload.expected()
      return { aborted: true, load, task: CALLS_LIMIT_MS, calls: CALLS_LIMIT_MS, requests: sink.requests.length, delivered: 0, keys: Object.keys(expected).length, errors: [...errors, `stopped: the calls took more than ${CALLS_LIMIT_MS / 1000} s`] }
    }
    if (sdk.flush) await page.evaluate(() => Promise.race([window.__sdk.flush(), new Promise((resolve) => setTimeout(resolve, 10_000))]))
    // Until nothing arrived for longer than the SDK's documented flush interval, at most 60 s after the
    // calls: what a page open a minute delivers.
    await sink.settle({ quietMs: Math.max(1500, sdk.settleMs ?? 0), maxMs: 60_000 })
    const after = await page.evaluate((end) => {
      const tasks = window.__bench.longTasks.filter((task) => task.start >= end)
      return { longTasks: tasks.length, longTaskMs: tasks.reduce((sum, task) => sum + task.duration, 0), writes: window.__bench.writes }
    }, loop.end)
    const posts = sink.requests.filter((request) => request.method != 'OPTIONS')
    const expected = workload.expected()
    return {
      load,
      calls: loop.calls,
      task: loop.task,
      stringify: loop.stringify,
      ratio: loop.task / loop.stringify,
      longTasks: after.longTasks,
      longTaskMs: after.longTaskMs,
      writesInTask: loop.writes,
      writes: after.writes,
      requests: posts.length,
      preflights: sink.requests.length - posts.length,
      bytes: sink.requests.reduce((sum, request) => sum + request.bytes, 0),
      delivered: delivered(posts, expected),
      keys: Object.keys(expected).length,
      errors,
    }
  } finally {
    await context.close()
  }
}
