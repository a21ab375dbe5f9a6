/**
 * The delivery guarantees of SPEC §5, each proven in real Chromium against the local Integration
 * API with injected faults. Tests marked "defaults" use the script tag with no tuning, as users get it;
 * the others shorten intervals through options to keep the suite fast.
 */
import { describe, expect, it } from 'vitest'
import { inPage, pageUrl, ready, sleep, useStack, waitInPage } from './harness.js'

const stack = useStack()

const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }

/** Opens the script tag page as users paste it (no tuning), collecting its console errors. */
async function openDefaults(context: import('playwright').BrowserContext) {
  const page = await context.newPage()
  const errors: string[] = []
  // The snippet's own reports (the browser also logs failed requests as errors).
  page.on('console', (message) => message.type() == 'error' && message.text().startsWith('userflux:') && errors.push(message.text()))
  await page.goto(pageUrl(stack.site, { build: 'iife' }))
  await ready(page)
  return { page, errors }
}

describe('retries', () => {
  it('defaults: 503 and 500 are retried, Retry-After honoured, then delivered once', async () => {
    await stack.api.faults([{ status: 503, retryAfter: '2' }, { status: 500 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'iife' })
    await inPage(page, `uf.updateProfile({ plan: 'pro' })`)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    const { posts } = await stack.api.requests()
    expect(posts.map((post) => post.status)).toEqual([503, 500, 204])
    expect(posts[1].at - posts[0].at).toBeGreaterThanOrEqual(1900) // Retry-After: 2
    expect(posts[2].at - posts[1].at).toBeGreaterThanOrEqual(400) // backoff, half of 1 s at least
    expect(posts.every((post) => post.body.properties.plan == 'pro')).toBe(true)
    await context.close()
  })

  it('dropped connections, 408 and 429 are retried; the queue stays persisted meanwhile', async () => {
    await stack.api.faults([{ drop: true }, { status: 408 }, { status: 429, retryAfter: '0' }, { delayMs: 200 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    await sleep(150)
    const persisted = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-queue-')).map((key) => localStorage.getItem(key)))
    expect(persisted.join()).toContain('"a":1')
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect((await stack.api.requests()).posts.map((post) => post.status)).toEqual(['dropped', 408, 429, 204])
    await waitInPage(page, () => !Object.keys(localStorage).some((key) => key.startsWith('uf-queue-')))
    await context.close()
  })

  it('Retry-After as an HTTP date is honoured too', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    // Set once the page is up (a loaded machine can take seconds to open one): HTTP dates have whole
    // seconds, so 4 s ahead leaves at least 3 s, far more than this page's backoff (at most 400 ms).
    const retryAfter = new Date(Date.now() + 4000).toUTCString()
    await stack.api.faults([{ status: 503, retryAfter }])
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    const { posts } = await stack.api.requests()
    expect(posts[1].at).toBeGreaterThanOrEqual(Date.parse(retryAfter) - 50)
  })

  it('nothing hammers a failing server: backoff grows, flush() does not bypass it', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { flushInterval: 50, minRetryDelay: 200, maxRetryDelay: 800 } })
    await inPage(page, `uf.updateProfile({ a: 1 }); for (let i = 0; i < 40; i++) { await uf.flush(); await new Promise((r) => setTimeout(r, 100)) }`)
    const { posts } = await stack.api.requests()
    // 4 s of trying: 200 + 400 + 800 + 800 … ms apart (with jitter) is at most 10 requests; 40 flush() calls add none.
    expect(posts.length).toBeGreaterThanOrEqual(3)
    expect(posts.length).toBeLessThanOrEqual(10)
    const gaps = posts.slice(1).map((post, i) => post.at - posts[i].at)
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(350)
  })

  it('going online retries at once instead of waiting out the backoff', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { flushInterval: 50, minRetryDelay: 60_000 } })
    await context.setOffline(true)
    const result = await inPage(page, `uf.updateProfile({ offline: true }); const { ok, error } = await uf.flush(); return { ok, code: error.code, status: error.status }`)
    expect(result).toEqual({ ok: false, code: 'retrying', status: 0 })
    const back = Date.now()
    await context.setOffline(false)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect(Date.now() - back).toBeLessThan(30_000) // far sooner than the 60 s backoff
    await context.close()
  })
})

describe('permanent failures', () => {
  it('a 400 drops that update, reports status and message, and the rest goes on', async () => {
    await stack.api.faults([{ status: 400, body: { error: 'bad_request', message: 'no thanks' } }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    const result = await inPage(page, `uf.updateProfile({ a: 1 }); uf.updateProfile({ b: 2 }, { locationEnrichment: true }); const { ok, error } = await uf.flush(); return { ok, code: error.code, status: error.status }`)
    expect(result).toEqual({ ok: false, code: 'rejected', status: 400 })
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect(await stack.api.accepted()).toEqual([expect.objectContaining({ properties: { b: 2 } })])
    expect(await page.evaluate(() => window.__ufErrors)).toEqual([
      { code: 'rejected', status: 400, message: expect.stringMatching(/rejected \(400: .*no thanks.*\): update dropped/) },
    ])
    await context.close()
  })

  it('defaults: a 400 is reported on the console with its status and body, and the next update goes on', async () => {
    await stack.api.faults([{ status: 400, body: { error: 'bad_request', message: 'no thanks' } }])
    const { page, errors } = await openDefaults(await stack.newContext())
    await inPage(page, `uf.updateProfile({ a: 1 }); uf.updateProfile({ b: 2 }, { locationEnrichment: true })`)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect(await stack.api.accepted()).toEqual([expect.objectContaining({ properties: { b: 2 } })])
    expect(errors).toEqual([expect.stringMatching(/^userflux: rejected \(400: .*no thanks.*\): update dropped$/)])
  })

  it('defaults: 401 pauses the page after one report; the next page delivers everything', async () => {
    await stack.api.faults([{ status: 401 }])
    const { page, errors } = await openDefaults(await stack.newContext())
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    await stack.api.waitForPosts((body) => body.properties?.a == 1)
    await inPage(page, `uf.updateProfile({ b: 2 })`)
    await sleep(2500) // more than two flush intervals
    expect((await stack.api.requests()).posts).toHaveLength(1)
    expect(errors).toEqual([expect.stringMatching(/^userflux: unauthorized \(401/)])
    await page.reload()
    await ready(page)
    // The paused page handed its updates over as it made them; the next page delivers them in order.
    const merged = (accepted: any[]) => Object.assign({}, ...accepted.map((body) => body.properties))
    const accepted = await stack.api.waitFor((accepted) => 'b' in merged(accepted) && accepted)
    expect(Object.assign({}, ...accepted.map((body: any) => body.properties))).toEqual({ a: 1, b: 2 })
  })

  it('401: reported once, sending paused for the page, data kept for the next page', async () => {
    await stack.api.faults([{ status: 401 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    await inPage(page, `uf.updateProfile({ a: 1 }); await uf.flush(); uf.updateProfile({ b: 2 }); await uf.flush()`)
    await sleep(1000)
    expect((await stack.api.requests()).posts).toHaveLength(1)
    expect((await page.evaluate(() => window.__ufErrors)).map((error) => error.code)).toEqual(['unauthorized'])
    await page.reload()
    await ready(page)
    const merged = (accepted: any[]) => Object.assign({}, ...accepted.map((body) => body.properties))
    const accepted = await stack.api.waitFor((accepted) => 'b' in merged(accepted) && accepted)
    expect(Object.assign({}, ...accepted.map((body: any) => body.properties))).toEqual({ a: 1, b: 2 })
    await context.close()
  })
})

describe('unload and next visit', () => {
  it('defaults: a tab closed right after a call still delivers it (keepalive on pagehide)', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'iife' })
    await inPage(page, `uf.updateProfile({ closing: 'now' })`)
    await page.close({ runBeforeUnload: false })
    const accepted = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
    expect(accepted[0].properties).toEqual({ closing: 'now' })
    await context.close()
  })

  it('a large update (30 KB) still goes out with keepalive when the tab closes', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'iife' })
    await inPage(page, `uf.updateProfile({ notes: 'x'.repeat(30000) })`)
    await page.close()
    const accepted = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
    expect(accepted[0].properties.notes).toHaveLength(30000)
  })

  it('defaults: an update made while the API was unreachable arrives when the site opens again', async () => {
    await stack.api.faults([{ drop: true, times: 1000 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'iife' })
    // flush() resolves once the first attempt has failed; the next one is 0.5 s away at least.
    expect(await inPage(page, `uf.updateProfile({ made: 'offline' }); return (await uf.flush()).ok`)).toBe(false)
    await page.close()
    await stack.api.waitForPosts((body) => body.properties?.made, 2) // so does the keepalive on close
    await stack.api.reset() // the API is back
    await stack.open(context, { build: 'iife' })
    const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted)
    // At least once: Chromium may itself retry a request whose connection was reset, so a late copy
    // of the closing page's keepalive can arrive too; nothing else may.
    expect(new Set(accepted.map((body) => JSON.stringify(body.properties)))).toEqual(new Set(['{"made":"offline"}']))
    await context.close()
  })

  it('a crashed page delivers its update on the next visit', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { flushInterval: 60_000 } })
    await inPage(page, `uf.updateProfile({ before: 'crash' })`)
    const cdp = await context.newCDPSession(page)
    // The crashed renderer never answers the command: do not wait for it.
    void cdp.send('Page.crash').catch(() => {})
    await page.waitForEvent('crash')
    await stack.open(context, { build: 'esm', options: fast })
    const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted)
    expect(accepted.map((body) => body.properties)).toEqual([{ before: 'crash' }])
    await context.close()
  })
})

describe('several tabs', () => {
  it('each update is delivered once, and a tab closed with pending data loses nothing', async () => {
    const context = await stack.newContext()
    // No retries within the test: the only tries are the first one and the keepalive on close.
    const slow = { flushInterval: 50, minRetryDelay: 60_000 }
    const [a, b] = [await stack.open(context, { build: 'esm', options: slow }), await stack.open(context, { build: 'esm', options: slow })]
    // Tabs in different renderer processes see each other's writes a moment later; they converge.
    await expect.poll(async () => (await inPage(a, `return uf.anonymousId`)) == (await inPage(b, `return uf.anonymousId`)), { timeout: 5000 }).toBe(true)
    await Promise.all([inPage(a, `for (let i = 0; i < 20; i++) uf.updateProfile({ a: i })`), inPage(b, `for (let i = 0; i < 20; i++) uf.updateProfile({ b: i })`)])
    await stack.api.waitFor((accepted) => accepted.length == 2)
    // A 503, not a dropped connection: Chromium itself may retry a request whose connection was
    // reset, and this test counts requests exactly.
    await stack.api.faults([{ status: 503, times: 1000 }])
    expect(await inPage(a, `uf.updateProfile({ pending: 'in closed tab' }); return (await uf.flush()).ok`)).toBe(false)
    await a.close()
    // Its last try, with keepalive as it closed, must have failed before the API comes back.
    await stack.api.waitForPosts((body) => body.properties?.pending, 2)
    await stack.api.reset()
    await stack.open(context, { build: 'esm', options: fast }) // the next visit
    const accepted = await stack.api.waitFor((accepted) => accepted.length >= 1 && accepted)
    await sleep(500)
    expect(await stack.api.accepted()).toEqual([expect.objectContaining({ properties: { pending: 'in closed tab' } })])
    expect(accepted).toHaveLength(1)
    await context.close()
  })

  it('two tabs writing at once while the API is down: neither overwrites the other, both arrive later', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    // No retries within the test: the only tries are the first one and the keepalive on close.
    const slow = { flushInterval: 50, minRetryDelay: 60_000 }
    const [a, b] = [await stack.open(context, { build: 'esm', options: slow }), await stack.open(context, { build: 'esm', options: slow })]
    await Promise.all([
      inPage(a, `for (let i = 0; i < 50; i++) uf.updateProfile({ ['a' + (i % 5)]: i })`),
      inPage(b, `for (let i = 0; i < 50; i++) uf.updateProfile({ ['b' + (i % 5)]: i })`),
    ])
    // Both first attempts have failed once flush() resolves.
    expect(await Promise.all([inPage(a, `return (await uf.flush()).ok`), inPage(b, `return (await uf.flush()).ok`)])).toEqual([false, false])
    await a.close()
    await b.close()
    await stack.api.waitForPosts((body) => 'a0' in body.properties, 2)
    await stack.api.waitForPosts((body) => 'b0' in body.properties, 2)
    await stack.api.reset()
    await stack.open(context, { build: 'esm', options: fast })
    // Both closed tabs' queues are adopted (and, being one visitor's, coalesced into one request).
    const merged = (accepted: any[]) => Object.assign({}, ...accepted.map((body) => body.properties))
    const accepted = await stack.api.waitFor((accepted) => Object.keys(merged(accepted)).length == 10 && accepted)
    expect(merged(accepted)).toEqual({ a0: 45, a1: 46, a2: 47, a3: 48, a4: 49, b0: 45, b1: 46, b2: 47, b3: 48, b4: 49 })
    // Tabs that started at the same moment still agree on one visitor.
    expect(new Set(accepted.map((body: any) => body.anonymousId)).size).toBe(1)
  })

  it('defaults: tabs never have two requests in flight at once', async () => {
    await stack.api.faults([{ delayMs: 300, times: 10 }])
    const context = await stack.newContext()
    const tabs = [await stack.open(context, { build: 'iife' }), await stack.open(context, { build: 'iife' })]
    await Promise.all(tabs.map((tab, t) => inPage(tab, `uf.updateProfile({ t${t}: 1 }); uf.updateProfile({ t${t}: 2 }, { locationEnrichment: true })`)))
    await stack.api.waitFor((accepted) => accepted.length == 4)
    const { posts } = await stack.api.requests()
    const starts = posts.map((post) => post.at).sort((x, y) => x - y)
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(250)
    await context.close()
  })
})

describe('storage trouble', () => {
  it('defaults: localStorage that throws on access: works in memory, reports once, never throws', async () => {
    const context = await stack.newContext()
    await context.addInitScript(() => {
      Object.defineProperty(window, 'localStorage', { get: () => { throw new DOMException('The operation is insecure.', 'SecurityError') } })
    })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (message) => message.type() == 'error' && errors.push(message.text()))
    page.on('pageerror', (error) => errors.push('pageerror: ' + error.message))
    await page.goto(pageUrl(stack.site, { build: 'iife' }))
    await ready(page)
    const id = await inPage<string>(page, `uf.identify('user-1', { a: 1 }); uf.updateProfile({ b: 2 }); return uf.anonymousId`)
    const accepted = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
    expect(accepted[0]).toEqual({ userId: 'user-1', anonymousId: id, properties: { a: 1, b: 2 }, deviceData: expect.any(Object) })
    expect(errors).toEqual([expect.stringContaining('storage unusable (SecurityError)')])
    await context.close()
  })

  it('full storage (QuotaExceededError): keeps working in memory, reports once', async () => {
    const context = await stack.newContext()
    await context.addInitScript(() => {
      Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError') }
    })
    const page = await stack.open(context, { build: 'esm', options: fast })
    await inPage(page, `for (let i = 0; i < 10; i++) uf.updateProfile({ i })`)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect((await page.evaluate(() => window.__ufErrors)).map((error) => error.message)).toEqual([expect.stringContaining('QuotaExceededError')])
    await context.close()
  })

  it('corrupt stored values are repaired and reported', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    await page.evaluate((api) => {
      // Blank: any other non-empty string is somebody's id and kept as it is (issue 12 case 16).
      localStorage.setItem('uf-anonymousId', '  ')
      localStorage.setItem(`uf-queue-${encodeURIComponent('demo-write-key@' + api)}|dead`, '{broken json')
    }, stack.api.url)
    await page.reload()
    await ready(page)
    const id = await inPage<string>(page, `uf.updateProfile({ fine: true }); return uf.anonymousId`)
    expect(id).toMatch(/^[\w-]{21}$/)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect(await page.evaluate(() => localStorage.getItem('uf-anonymousId'))).toBe(id)
    // The dead page's queue is looked at once its Web Lock is known to be free, which can come after
    // the first delivery on a loaded machine.
    await waitInPage(page, () => window.__ufErrors.length >= 2, 10_000).catch(() => {})
    const errors = await page.evaluate(() => window.__ufErrors)
    expect(errors.map((error) => error.message).sort()).toEqual([
      'userflux: corrupt uf-anonymousId ignored',
      `userflux: corrupt uf-queue-${encodeURIComponent('demo-write-key@' + stack.api.url)}|dead ignored`,
    ])
    await context.close()
  })

  it('a stored anonymousId unreadable for a moment is not replaced by a second one', async () => {
    const context = await stack.newContext()
    const first = await stack.open(context, { build: 'esm', options: fast })
    const id = await inPage<string>(first, `return uf.anonymousId`)
    await first.close()
    await context.addInitScript(() => {
      const getItem = Storage.prototype.getItem
      let failures = 3
      Storage.prototype.getItem = function (key) {
        if (failures-- > 0) throw new DOMException('busy', 'UnknownError')
        return getItem.call(this, key)
      }
    })
    const page = await stack.open(context, { build: 'esm', options: fast })
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    const accepted = await stack.api.waitFor((accepted) => accepted.length == 1 && accepted)
    expect(accepted[0].anonymousId).toBe(id)
    expect(await inPage(page, `return uf.anonymousId`)).toBe(id)
    await context.close()
  })

  it('defaults: past 100 pending requests the oldest is dropped and reported', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const { page, errors } = await openDefaults(await stack.newContext())
    // Alternating the enrichment flag makes every update a request of its own.
    await inPage(page, `for (let i = 0; i < 102; i++) uf.updateProfile({ i }, { locationEnrichment: i % 2 == 0 })`)
    expect(errors).toEqual(['userflux: queue full: oldest update dropped', 'userflux: queue full: oldest update dropped'])
    const persisted = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-queue-')).map((key) => JSON.parse(localStorage.getItem(key)!).entries.map((entry: any) => entry.properties.i)))
    expect(persisted).toEqual([Array.from({ length: 100 }, (_, i) => i + 2)])
  })

  it('the persisted queue is bounded: past the cap the oldest update is dropped and reported', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { ...fast, maxQueueSize: 3, minRetryDelay: 60_000, maxRetryDelay: 60_000 } })
    await inPage(page, `for (let i = 0; i < 5; i++) uf.updateProfile({ i }, { locationEnrichment: i % 2 == 0 })`)
    const errors = await page.evaluate(() => window.__ufErrors)
    expect(errors.map((error) => error.code)).toEqual(['queue-full', 'queue-full'])
    // Once the first attempt has had its 503 (flush settles then, its retry a minute away): going
    // offline while that request was still out left its answer to schedule the retry after the online
    // event, and the test waited a minute (it failed CI so, once).
    expect(await inPage(page, `return uf.flush().then((result) => result.ok)`)).toBe(false)
    await stack.api.reset()
    await context.setOffline(true)
    await context.setOffline(false) // the online event retries at once
    const accepted = await stack.api.waitFor((accepted) => accepted.length == 3 && accepted)
    expect(accepted.map((body) => body.properties)).toEqual([{ i: 2 }, { i: 3 }, { i: 4 }])
    await context.close()
  })
})
