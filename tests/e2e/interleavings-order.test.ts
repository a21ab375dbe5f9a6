/**
 * Issue 12, "reordered" (cases 8–13): the server's final value of a key must be the last one set,
 * whatever tabs, the back/forward cache, full storage and queue caps do in between. The final value
 * is read from the order in which the API accepted bodies (it applies them in that order).
 */
import type { BrowserContext, Page } from 'playwright'
import { describe, expect, it } from 'vitest'
import { inPage, pageUrl, ready, sleep, useStack } from './harness.js'
import { errorsOf, goBackToCachedPage, lastValue, launchWithBfcache, openPage, RESTORED, servePage, startRawServer, waitAccepted } from './interleavings-helpers.js'

const stack = useStack()

const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }
// No retries within the test: only the first try and the exit send.
const noRetry = { flushInterval: 50, minRetryDelay: 60_000 }
// A POST still arriving is logged with body null.
const has = (key: string, value?: unknown) => (body: any) => !!body?.properties && key in body.properties && (value === undefined || body.properties[key] === value)
const postsMatching = async (match: (body: any) => boolean) => (await stack.api.requests()).posts.filter((post) => match(post.body)).length

/**
 * The API's final `theme` once a fresh page of `context` has adopted and sent whatever was left, and
 * a second more has passed for anything still on its way.
 */
async function themeOnceSettled(context: BrowserContext) {
  const next = await stack.open(context, { build: 'esm', options: fast })
  await inPage(next, `uf.updateProfile({ probe: 1 })`)
  await waitAccepted(stack, (accepted) => accepted.some(has('probe')))
  await sleep(1000)
  return lastValue(await stack.api.accepted(), 'theme')
}

describe('reordered', () => {
  it('case 8: a closed tab’s stale value adopted later does not overwrite a newer delivered one', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const tab1 = await stack.open(context, { build: 'esm', options: noRetry })
    const tab2 = await stack.open(context, { build: 'esm', options: noRetry })
    expect(await inPage(tab2, `uf.updateProfile({ theme: 'dark' }); return (await uf.flush()).ok`)).toBe(false)
    await tab2.close()
    await stack.api.waitForPosts(has('theme', 'dark'), 2) // its exit send failed too
    expect(await inPage(tab1, `uf.updateProfile({ theme: 'light' }); return (await uf.flush()).ok`)).toBe(false)
    await stack.api.reset() // the API is back
    await context.setOffline(true)
    await context.setOffline(false) // the online event retries at once
    await waitAccepted(stack, (accepted) => accepted.some(has('theme', 'light')))
    expect(await themeOnceSettled(context)).toBe('light')
    await context.close()
  })

  it('case 9: a page restored from the back/forward cache does not re-send a value the next page already delivered', { timeout: 90_000 }, async () => {
    const browser = await launchWithBfcache()
    try {
      const boot = (retry: string) => `window.userflux = createClient({ writeKey, endpoint: api, flushInterval: 50, ${retry}, onError })
// The page's own code, run when it comes back from the back/forward cache.
addEventListener('pageshow', (event) => event.persisted && (console.log(${JSON.stringify(RESTORED)}), window.userflux.updateProfile({ back: 1 })))`
      // A tries once and is idle when left: while it still retried, Chromium once in five runs evicted
      // it from the cache when B asked for a lock (WebLocksContention; see ARCHITECTURE.md).
      const pageA = servePage(stack, boot('minRetryDelay: 60000'))
      const pageB = servePage(stack, boot('minRetryDelay: 100, maxRetryDelay: 400'))
      await stack.api.faults([{ status: 503, times: 1000 }])
      const context = await browser.newContext()
      const page = await openPage(stack, context, pageA)
      // Two entries pending on A, its one try over.
      expect(await inPage(page, `uf.updateProfile({ theme: 'dark' }); uf.updateProfile({ x: 1 }, { locationEnrichment: true }); return (await uf.flush()).ok`)).toBe(false)
      const before = await postsMatching(has('theme', 'dark'))
      await page.goto(stack.site + pageB)
      await ready(page)
      await stack.api.waitForPosts(has('theme', 'dark'), before + 1) // A's exit send, failed
      await stack.api.reset() // the API is back: B delivers what it adopted, then its own value
      await inPage(page, `uf.updateProfile({ theme: 'light' })`)
      await waitAccepted(stack, (accepted) => accepted.some(has('theme', 'light')))
      await goBackToCachedPage(page)
      await waitAccepted(stack, (accepted) => accepted.some(has('back')))
      await sleep(1000)
      expect(lastValue(await stack.api.accepted(), 'theme')).toBe('light')
    } finally {
      await browser.close()
    }
  })

  it('case 10: with storage full, a stale persisted snapshot is not re-sent after the newer value was delivered', async () => {
    await stack.api.faults([{ delayMs: 1500 }, { delayMs: 3000 }])
    const context = await stack.newContext()
    // Storage that is full for any value holding the newer update.
    const page = await openPage(stack, context, pageUrl(stack.site, { build: 'esm', options: fast }), () => {
      const setItem = Storage.prototype.setItem
      Storage.prototype.setItem = function (key: string, value: string) {
        if (String(value).includes('light')) throw new DOMException('full', 'QuotaExceededError')
        return setItem.call(this, key, value)
      }
    })
    await inPage(page, `uf.updateProfile({ theme: 'dark' })`) // saved
    await stack.api.waitForPosts(has('theme', 'dark')) // on the wire
    await inPage(page, `uf.updateProfile({ theme: 'light' })`) // its write fails: kept in memory
    await stack.api.waitForPosts(has('theme', 'light')) // dark delivered, light on the wire
    await page.close()
    await waitAccepted(stack, (accepted) => accepted.some(has('theme', 'light')))
    expect(await themeOnceSettled(context)).toBe('light')
    await context.close()
  })

  it('case 11: adopting several closed tabs’ queues keeps maxQueueSize', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const options = { ...noRetry, maxQueueSize: 3 }
    const tabs: Page[] = []
    for (let t = 0; t < 3; t++) tabs.push(await stack.open(context, { build: 'esm', options }))
    // Three entries per tab: alternating the enrichment flag keeps them from merging; keys of their
    // own, so that the exit send (which lets an earlier entry give up keys a later one sets) keeps all.
    for (const [t, tab] of tabs.entries()) {
      expect(await inPage(tab, `for (let i = 0; i < 3; i++) uf.updateProfile({ ['t${t}k' + i]: i }, { locationEnrichment: i % 2 == 1 }); return (await uf.flush()).ok`)).toBe(false)
    }
    for (const tab of tabs) await tab.close()
    // Every tab's exit send has failed too before the API comes back.
    for (let t = 0; t < 3; t++) await stack.api.waitForPosts((body) => `t${t}k0` in (body.properties || {}), 2)
    await stack.api.reset()
    const next = await stack.open(context, { build: 'esm', options: { ...fast, maxQueueSize: 3 } })
    await waitAccepted(stack, (accepted) => accepted.length >= 1)
    await sleep(2000) // time for any more to arrive
    const accepted = await stack.api.accepted()
    expect(accepted.length).toBeLessThanOrEqual(3)
    expect((await errorsOf(next)).map((error) => error.code)).toContain('queue-full')
    await context.close()
  })

  // Issue 25 case 15: case 11 failed one CI run in a few, when the closed tabs' locks happened to be
  // released apart and the next page adopted some queues, delivered them, then adopted the rest. Now
  // a queue whose lock is held but that was written in the last 2 s is waited for (tabs.ts), so tabs
  // closed together are adopted together: case 11 passed 10 runs of 10 here, f12cb4f 8 of 10 ("expected
  // 5 to be less than or equal to 3"). Here the split cannot be avoided (tab B is busy, alive and
  // holding its lock, while tab A closes and the next page adopts A's queue; B closes later): the cap
  // must hold over both steps. (This one held on f12cb4f too;
  // it guards the cap counting what waits from both steps.)
  it('issue 25 case 15: the cap holds when closed tabs’ queues are adopted in two steps', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const options = { ...noRetry, maxQueueSize: 3 }
    const [a, b] = [await stack.open(context, { build: 'esm', options }), await stack.open(context, { build: 'esm', options })]
    for (const [name, tab] of [['a', a], ['b', b]] as const) {
      expect(await inPage(tab, `for (let i = 0; i < 3; i++) uf.updateProfile({ ['${name}k' + i]: i }, { locationEnrichment: i % 2 == 1 }); return (await uf.flush()).ok`)).toBe(false)
    }
    // B busy for 9 s: alive, holding its lock, running nothing else (no storage event, no timer).
    const busy = b.evaluate(() => {
      const end = Date.now() + 9000
      while (Date.now() < end);
    })
    await a.close()
    await stack.api.waitForPosts((body) => 'ak0' in (body.properties || {}), 2)
    // Step one: A's queue (B's lock is held, and B wrote its queue seconds ago: not closing).
    await sleep(2500)
    const next = await stack.open(context, { build: 'esm', options: { ...fast, maxQueueSize: 3 } })
    await sleep(4000) // past any wait of the next page for queues that are closing
    // Step two: B wakes and closes; its exit send fails too, and the next page adopts its queue.
    await busy
    await sleep(1500) // B catches up: A's queue is gone (the next page took it), nothing for B to adopt
    await b.close()
    await stack.api.waitForPosts((body) => 'bk0' in (body.properties || {}), 2)
    await sleep(2000)
    await stack.api.reset()
    // Held back until the closed tabs' exit requests are surely done (wireUntil), then delivered.
    await waitAccepted(stack, (accepted) => accepted.some((body) => 'bk2' in (body.properties || {})), 30_000)
    await sleep(3000) // time for any more to arrive
    const accepted = await stack.api.accepted()
    expect(accepted.length).toBeLessThanOrEqual(3)
    // The newest are kept: B's last update is among them.
    expect(accepted.some((body) => 'bk2' in (body.properties || {}))).toBe(true)
    expect((await errorsOf(next)).map((error) => error.code)).toContain('queue-full')
    await context.close()
  }, 90_000)

  it('case 12: maxQueueSize 1 with a request in flight keeps the newest update', async () => {
    await stack.api.faults([{ delayMs: 1500 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { ...fast, maxQueueSize: 1 } })
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    await stack.api.waitForPosts(has('a')) // on the wire
    await inPage(page, `uf.updateProfile({ b: 2 }, { locationEnrichment: true })`)
    await waitAccepted(stack, (accepted) => accepted.some(has('b', 2)))
    await context.close()
  })

  it('case 13, and SPEC §13: a queue left under another endpoint is delivered through the new one once its page is gone, never while it lives', async () => {
    let down = true
    // The old endpoint is gone for good (the exit send fails there too); the new one comes up.
    const raw = await startRawServer((request, response) => void response.writeHead(down || request.url!.startsWith('/a:8080') ? 503 : 204).end())
    try {
      // One write key, two endpoints (the first a prefix of the second): the site moved its proxy.
      const short = raw.url + '/a'
      const long = raw.url + '/a:8080'
      const boot = (endpoint: string) => `window.userflux = createClient({ writeKey, endpoint: ${JSON.stringify(endpoint)}, flushInterval: 50, minRetryDelay: 60000, onError })`
      const longPage = servePage(stack, boot(long))
      const shortPage = servePage(stack, boot(short))
      const context = await stack.newContext()
      const page = await openPage(stack, context, longPage)
      // Keys of their own: the same key set later on the new endpoint's page would rightly win.
      expect(await inPage(page, `uf.updateProfile({ queuedAt: 'long' }); return (await uf.flush()).ok`)).toBe(false)
      // While that page lives, a page of the other endpoint leaves its queue alone.
      down = false
      const live = await openPage(stack, context, shortPage)
      await inPage(live, `uf.updateProfile({ live: 'short' })`)
      await raw.waitFor((post) => post.body?.properties?.live == 'short')
      await sleep(1500)
      expect(raw.posts.filter((post) => post.path == '/a/profile' && post.body?.properties?.queuedAt == 'long')).toEqual([])
      // Once it is gone, what it queued goes through the new endpoint, once.
      await page.close()
      await raw.waitFor((post) => post.path == '/a/profile' && post.body?.properties?.queuedAt == 'long')
      await sleep(1000)
      const delivered = raw.posts.filter((post) => post.body?.properties?.queuedAt == 'long' && post.path == '/a/profile')
      expect(delivered).toHaveLength(1)
    } finally {
      await raw.close()
    }
  })
})
