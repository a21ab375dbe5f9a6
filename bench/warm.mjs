// The warm figures: one page, a client that has already run, the same calls over and over (what a
// long-lived page meets after its first seconds), against the local Integration API, which counts
// the requests. The cold figures, what a visitor meets first, are bench/lib/cold.mjs's.
import { createServer } from 'node:http'
import { createApiServer } from '../demo/api/server.js'

// A realistic profile update: a few scalars, a date, a small nested object and list.
const PROPERTIES = `(i) => ({ plan: 'pro', seats: i, theme: 'dark', lastSeen: new Date(1764000000000 + i), tags: ['beta', 'eu'], company: { name: 'Acme', size: 42 } })`

async function startSite(apiUrl, iife) {
  const server = createServer((request, response) => {
    if (request.url.startsWith('/userflux.min.js')) {
      response.writeHead(200, { 'content-type': 'text/javascript' })
      return response.end(iife)
    }
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end('<!doctype html><html><head><meta charset="utf-8"></head><body>bench</body></html>')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${server.address().port}`, apiUrl }
}

/** Loads the script tag into `page` and waits for the client; returns the CDP script time it took. */
async function loadSnippet(page, cdp, site, attributes = '') {
  const before = await cdp.send('Performance.getMetrics')
  await page.evaluate(([src, endpoint, extra]) => new Promise((resolve) => {
    const script = document.createElement('script')
    script.src = src
    script.dataset.writeKey = 'demo-write-key'
    script.dataset.endpoint = endpoint
    if (extra) script.dataset.flushInterval = extra
    script.onload = resolve
    document.head.append(script)
  }), [`${site.url}/userflux.min.js`, site.apiUrl, attributes])
  const after = await cdp.send('Performance.getMetrics')
  const metric = (metrics, name) => metrics.metrics.find((m) => m.name == name).value
  return (metric(after, 'ScriptDuration') - metric(before, 'ScriptDuration')) * 1000
}

/** Per-call cost, requests and storage writes per burst, and heap growth, for the script tag build `iife`. */
export async function warmRuns(browser, iife) {
  const api = createApiServer({ control: true })
  // The API's test routes want their token, and JSON.
  const control = { 'x-uf-test-token': api.testToken, 'content-type': 'application/json' }
  const { url: apiUrl } = await api.listen(0, '127.0.0.1')
  const site = await startSite(apiUrl, iife)
  const results = {}
  const context = await browser.newContext()
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Performance.enable')
  await page.goto(site.url)
  await page.evaluate(() => {
    // Count storage writes and long tasks from here on.
    window.__writes = 0
    const count = (name) => {
      const original = Storage.prototype[name]
      Storage.prototype[name] = function (...args) {
        window.__writes++
        return original.apply(this, args)
      }
    }
    count('setItem')
    count('removeItem')
    window.__longTasks = []
    window.__longTaskEntries = []
    new PerformanceObserver((list) => window.__longTaskEntries.push(...list.getEntries().map((e) => ({ startTime: e.startTime, duration: e.duration })))).observe({ entryTypes: ['longtask'] })
  })
  await loadSnippet(page, cdp, site)

  // Main-thread cost per call: 10,000 calls timed in batches of 1,000 with performance.now() (its
  // resolution is coarse), the median batch; the same for JSON.stringify of the same objects, in the
  // same page, interleaved over three rounds so that a busy moment hits all three alike.
  results.perCall = await page.evaluate(async (makeSource) => {
    const make = eval(makeSource)
    const uf = window.userflux
    const objects = Array.from({ length: 10_000 }, (_, i) => make(i))
    const time = (fn) => {
      const batches = []
      for (let b = 0; b < 10; b++) {
        const start = performance.now()
        for (let i = b * 1000; i < b * 1000 + 1000; i++) fn(objects[i])
        batches.push((performance.now() - start) / 1000)
      }
      return batches.sort((x, y) => x - y)[5] * 1000
    }
    let sink = 0
    const rounds = { stringify: [], update: [], identify: [] }
    for (let round = 0; round < 3; round++) {
      rounds.stringify.push(time((o) => (sink += JSON.stringify(o).length)))
      rounds.update.push(time((o) => uf.updateProfile(o)))
      rounds.identify.push(time((o) => uf.identify('bench-user', o)))
      await uf.flush()
    }
    const mid = (list) => list.sort((x, y) => x - y)[1]
    const [stringify, update, identify] = [mid(rounds.stringify), mid(rounds.update), mid(rounds.identify)]
    return {
      'JSON.stringify of the properties (µs)': +stringify.toFixed(2),
      'updateProfile (µs)': +update.toFixed(2),
      'updateProfile / JSON.stringify': +(update / stringify).toFixed(2),
      'identify (µs)': +identify.toFixed(2),
      'identify / JSON.stringify': +(identify / stringify).toFixed(2),
      sink: sink > 0,
    }
  }, PROPERTIES)
  delete results.perCall.sink

  // Requests and storage writes per synchronous burst, and what the client costs the main thread:
  // its share of the burst's task, and any long task of its own afterwards (timers, sends).
  results.bursts = {}
  for (const burst of [1, 10, 100, 1000, 10_000]) {
    await fetch(apiUrl + '/__test/reset', { method: 'POST', headers: control, body: '{}' })
    const measured = await page.evaluate(async ([burst, makeSource]) => {
      const make = eval(makeSource)
      const uf = window.userflux
      const objects = Array.from({ length: burst }, (_, i) => make(i))
      window.__writes = 0
      window.__longTasks = []
      const start = performance.now()
      for (let i = 0; i < burst; i++) uf.updateProfile(objects[i])
      const calls = performance.now() - start
      await null // the queue is persisted in a microtask at the end of the task
      const taskEnd = performance.now()
      const writes = window.__writes
      await uf.flush()
      await new Promise((resolve) => setTimeout(resolve, 200))
      return {
        writes,
        writesAll: window.__writes,
        inTask: taskEnd - start,
        calls,
        taskEnd,
      }
    }, [burst, PROPERTIES])
    const ownLongTasks = await page.evaluate((after) => window.__longTaskEntries.filter((entry) => entry.startTime >= after).length, measured.taskEnd)
    const { posts } = await (await fetch(apiUrl + '/__test/requests', { headers: control })).json()
    results.bursts[`${burst} updates`] = {
      requests: posts.length,
      'storage writes by the end of the task': measured.writes,
      'storage writes incl. removal once delivered': measured.writesAll,
      'client time in the burst task (ms)': +measured.inTask.toFixed(2),
      'long tasks of the client afterwards': ownLongTasks,
    }
  }

  // Heap retained: after 10,000 delivered updates, and after 10,000 more (it must not grow with them).
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage')
    return (await cdp.send('Runtime.getHeapUsage')).usedSize
  }
  const deliver = () => page.evaluate(async (makeSource) => {
    const make = eval(makeSource)
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 100; i++) window.userflux.updateProfile({ ...make(i), round, ['k' + (i % 50)]: i })
      await window.userflux.flush()
    }
  }, PROPERTIES)
  await deliver()
  const h0 = await heap()
  const growth = []
  for (let i = 0; i < 4; i++) {
    const before = await heap()
    await deliver()
    growth.push(((await heap()) - before) / 1024)
  }
  results.heap = {
    'JS heap after 10,000 delivered updates (KiB)': +(h0 / 1024).toFixed(1),
    'growth over each next 10,000, 4 times (KiB)': growth.map((kib) => +kib.toFixed(1)).join(' / '),
  }

  await context.close()
  site.server.close()
  await api.close()
  return results
}
