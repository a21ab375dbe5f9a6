/**
 * Issue 12, cases 21–25: hammering, main-thread stalls and the host page. The snippet must not
 * hammer a failing API whatever Retry-After says, stay cheap per call near the size limit, leave the
 * page's keepalive budget to the page, survive an element named `userflux`, and keep the server's
 * final value the last one set across a reload. Real Chromium, the local Integration API on loopback.
 */
import { describe, expect, it } from 'vitest'
import { inPage, ready, sleep, useStack, waitInPage, WRITE_KEY } from './harness.js'

const stack = useStack()

const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }

describe('hammering', () => {
  // Default backoff (minRetryDelay 1000): a few requests in 3 s, not hundreds.
  for (const [name, retryAfter] of [
    ['0', () => '0'],
    ['an HTTP date in the past', () => new Date(Date.now() - 60_000).toUTCString()],
  ] as const) {
    it(`case 21: Retry-After ${name} against an API that keeps failing does not disable the backoff`, async () => {
      await stack.api.faults([{ status: 503, retryAfter: retryAfter(), times: 10_000 }])
      const context = await stack.newContext()
      const page = await stack.open(context, { build: 'esm', options: { flushInterval: 50 } })
      await inPage(page, `uf.updateProfile({ a: 1 })`)
      await stack.api.waitForPosts((body) => body?.properties?.a == 1)
      await sleep(3000)
      await context.close()
      const { posts } = await stack.api.requests()
      expect(posts.length).toBeGreaterThanOrEqual(1)
      expect(posts.length).toBeLessThan(15)
    })
  }
})

describe('main thread', () => {
  it('case 22: 10,000 one-key updates onto an entry near the 32 KiB limit stay cheap, and the last value arrives', async () => {
    const context = await stack.newContext()
    // Nothing is sent during the burst: every update merges into the one pending entry.
    const page = await stack.open(context, { build: 'esm', options: { flushInterval: 60_000 } })
    // The same burst onto a small entry first: the cost per call the page pays anyway, on this machine now.
    const { small, nearLimit } = await inPage<{ small: number; nearLimit: number }>(
      page,
      `const burst = (key) => {
        const start = performance.now()
        // Cut short past 5 s (today: 15-30 s on a loaded machine), which fails the bound below anyway.
        for (let i = 0; i < 10000 && performance.now() - start < 5000; i++) uf.updateProfile({ [key]: i })
        return performance.now() - start
      }
      const small = burst('counter')
      await uf.flush()
      // So near the limit (32,750 of 32,768 bytes of JSON) that each next update might not fit.
      uf.updateProfile({ big: 'x'.repeat(32740) })
      const nearLimit = burst('near')
      await uf.flush()
      return { small, nearLimit }`,
    )
    expect(await page.evaluate(() => window.__ufErrors)).toEqual([]) // the large update was taken
    console.log(`case 22: 10,000 updates: ${small | 0} ms onto a small entry, ${nearLimit | 0} ms near the limit`)
    // Flat per-call cost: near the limit no dearer than a few times the small burst (today seconds,
    // 7.6 s in the issue). Generous on purpose: a regression guard, not a benchmark.
    expect(nearLimit).toBeLessThan(Math.max(3 * small, 1000))
    const accepted = await stack.api.waitFor((accepted) => accepted.some((body) => body.properties.near == 9999) && accepted)
    expect(accepted.every((body) => JSON.stringify(body).length < 64 * 1024)).toBe(true)
  })
})

describe('the host page', () => {
  it('case 23: the page’s own 40 KB sendBeacon is accepted while a 30 KB update is on the wire', async () => {
    await stack.api.faults([{ delayMs: 5000 }])
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    await inPage(page, `uf.updateProfile({ notes: 'x'.repeat(30000) })`)
    // The API has the whole body and holds its answer: the request is in flight.
    await stack.api.waitForPosts((body) => body?.properties?.notes)
    expect(await page.evaluate(() => navigator.sendBeacon('/beacon', 'y'.repeat(40_000)))).toBe(true)
    await stack.api.waitFor((accepted) => accepted.some((body) => body.properties.notes))
  })

  it('case 24: an element with id="userflux" does not silently disable the script tag', async () => {
    const tag = `<script async src="/userflux.min.js" data-write-key="${WRITE_KEY}" data-endpoint="${stack.api.url}"></script>`
    // The element comes before the snippet, so window.userflux is that element when the snippet runs.
    const pages = {
      '/clash-stub.html': `<div id="userflux"></div><script src="/stub.js"></script>${tag}`,
      '/clash-tag.html': `<div id="userflux"></div>${tag}`,
    }
    const context = await stack.newContext()
    for (const [path, body] of Object.entries(pages)) {
      stack.serve(path, `<!doctype html><html><head><meta charset="utf-8"><title>test</title></head><body>${body}</body></html>`)
      const page = await context.newPage()
      const errors: string[] = []
      page.on('console', (message) => message.type() == 'error' && errors.push(message.text()))
      await page.goto(stack.site + path)
      // A working client on window.userflux: the element is not mistaken for one, nor for the stub's buffer.
      await waitInPage(page, () => typeof (window.userflux as any)?.flush == 'function', 10_000).catch(() => {
        throw new Error(`${path}: no client on window.userflux; console errors: ${JSON.stringify(errors)}`)
      })
      await inPage(page, `uf.updateProfile({ page: ${JSON.stringify(path)} }); await uf.flush()`)
      await stack.api.waitFor((accepted) => accepted.some((body) => body.properties.page == path))
    }
  })
})

describe('reload', () => {
  it('case 25: the closing page’s keepalive and the next page deliver at least once, and the last value set wins', async () => {
    const context = await stack.newContext()
    // A long flush interval: the closing page's update leaves only with its keepalive (and the next
    // page may send it again); the next page sends its own at once, with flush().
    const config = { build: 'esm', options: { ...fast, flushInterval: 2000 } } as const
    const page = await stack.open(context, config)
    await inPage(page, `uf.identify('reloader'); await uf.flush()`)
    await inPage(page, `uf.updateProfile({ theme: 'dark' })`)
    // The next page's own code sets a newer value as soon as the client exists, as a site's startup code would.
    await context.addInitScript(() => {
      let client: any
      Object.defineProperty(window, 'userflux', {
        configurable: true,
        get: () => client,
        set(value) {
          client = value
          if (typeof value?.flush == 'function') value.updateProfile({ theme: 'light' }), value.flush()
        },
      })
    })
    await page.reload()
    await ready(page)
    await stack.api.waitFor((accepted) => accepted.some((body) => body.properties.theme == 'light'))
    await sleep(3000) // whatever the next page adopted goes out in this time
    const accepted = await stack.api.accepted()
    expect(accepted.some((body) => body.properties.theme == 'dark')).toBe(true)
    expect((await stack.api.profile('reloader'))?.properties.theme).toBe('light')
  })
})
