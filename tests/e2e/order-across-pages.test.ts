/**
 * Issue 25, cases 1, 3, 4, 5, 9 and 11, in real Chromium: order and loss across pages, each test
 * failing on the previous release (f12cb4f) and passing now.
 *
 * - case 1: at exit an earlier entry no longer gives its keys up to a later entry of the same
 *   visitor, so when that later entry is refused (422) the earlier value still reaches the server.
 * - case 3: without Web Locks (a page on http://shop.test, not a secure context, so
 *   `navigator.locks` is undefined): a closed tab's unsent update is sent by the next page once the
 *   queue is 10 minutes old (Playwright's clock moved 11 minutes on); a page restored from the
 *   back/forward cache takes its own unsent update back and sends it; two tabs sending one key at
 *   once end with the later value; a tab's newer value sent as it went into the back/forward cache is
 *   not overtaken by another tab's older one once its mark passes (found case B1, failing on 83fc142);
 *   a wall clock set a day ahead does not make a live tab's queue look abandoned to a tab that saw it
 *   before (found case C2, failing on 83fc142); a reloaded page's delivered exit send of a user, sent
 *   again 10 minutes later, does not land over the user's newer value under another anonymousId
 *   (found case L3, failing on 83fc142).
 * - case 4: past the ledger's 1,000 (visitor, key) pairs, the pair a crashed tab's stale queued value
 *   would meet is kept: once adopted, that value does not overwrite the newer one.
 * - case 5: a value queued by a page whose clock was ahead (a day, or 25 s) does not overwrite a
 *   later value of an older page; a queue written "in the future" (a clock a day ahead) is adopted.
 * - case 9: a page closed while its update waits for another tab's send lock still sends it at exit
 *   (memory storage, and storage that throws: nothing else would keep it).
 * - case 11: two clients on one page (ESM build, `storage: 'memory'`) share the page's keepalive
 *   quota: when the page is hidden no exit request is refused by the browser, and what did not fit
 *   waits and is sent once the page is shown. (The page is hidden by overriding visibilityState, so
 *   that the page, and what it saw refused, are still there to read; the requests are real.)
 *
 * The server's final value is read from the order in which the API accepted bodies.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js'
import { inPage, pageUrl, ready, sleep, useStack, WRITE_KEY, type PageOptions } from './harness.js'
import { goBackToCachedPage, lastValue, RESTORED, servePage, startRawServer, waitAccepted } from './interleavings-helpers.js'

const stack = useStack()

const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }
/** Nothing is sent but by flush() and the exit send. */
const idle = { flushInterval: 60_000, minRetryDelay: 60_000 }
const has = (key: string, value?: unknown) => (body: any) => !!body?.properties && key in body.properties && (value === undefined || body.properties[key] === value)
const posted = async (match: (body: any) => boolean) => (await stack.api.requests()).posts.filter((post) => match(post.body)).length

let served = 0
/**
 * A script-tag page of our own (the harness's pages are no-store, which keeps them out of the
 * back/forward cache): the loader stub, `inline` (the page's own code) and the script tag with
 * `attributes` as data-*. It may connect anywhere.
 */
function tagPage(attributes: Record<string, unknown>, inline = ''): string {
  const name = `/order-${++served}.html`
  const data = Object.entries({ writeKey: WRITE_KEY, ...attributes })
    .map(([key, value]) => ` data-${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}="${value}"`)
    .join('')
  stack.serve(
    name,
    `<!doctype html><html><head><meta charset="utf-8"><title>test</title><script src="/stub.js"></script>${inline && `<script>${inline}</script>`}<script async src="/userflux.min.js"${data}></script></head><body>test page</body></html>`,
    { 'content-security-policy': `default-src 'self'; script-src 'self' 'unsafe-inline'; connect-src *`, 'cache-control': 'no-cache' },
  )
  return name
}

/** Makes the page's wall clock run `shift` ms ahead from its start: Date and performance.timeOrigin. */
function clockAhead(shift: number) {
  const RealDate = Date
  const realNow = RealDate.now
  class Shifted extends RealDate {
    constructor(...args: any[]) {
      if (args.length) super(...(args as [any]))
      else super(realNow() + shift)
    }
    static override now() {
      return realNow() + shift
    }
  }
  ;(window as any).Date = Shifted
  const origin = performance.timeOrigin + shift
  Object.defineProperty(performance, 'timeOrigin', { get: () => origin })
}

/** A harness page, opened after `init(arg)` runs in it before any page script. */
async function openWith(context: BrowserContext, config: PageOptions, init: (arg: number) => void, arg = 0): Promise<Page> {
  const page = await context.newPage()
  await page.addInitScript(init, arg)
  await page.goto(pageUrl(stack.site, config))
  await ready(page)
  return page
}

async function crash(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page)
  // The crashed renderer never answers the command: do not wait for it.
  void cdp.send('Page.crash').catch(() => {})
  await page.waitForEvent('crash')
}

describe('order across pages', () => {
  it('case 1: at exit an earlier entry keeps its keys when a later entry of the same visitor sets them, so its value arrives though the later one is refused (422)', async () => {
    // The API refuses alice's entry as a whole (a 4xx: dropped, never retried).
    const raw = await startRawServer((_request, response, post) => void response.writeHead(post.body?.userId == 'alice' ? 422 : 204).end())
    try {
      const context = await stack.newContext()
      const page = await context.newPage()
      await page.goto(stack.site + tagPage({ endpoint: raw.url, ...idle }))
      await ready(page)
      // Two entries of one visitor: anonymous a = 'first', then alice's link with a = 'second'.
      await inPage(page, `uf.updateProfile({ a: 'first' }); uf.identify('alice'); uf.updateProfile({ a: 'second' })`)
      await page.close({ runBeforeUnload: true })
      // f12cb4f: the anonymous entry gave a up to alice's entry, so only alice's went, and was refused.
      await raw.waitFor((post) => post.body?.properties?.a == 'first', 10_000)
    } finally {
      await raw.close()
    }
  })

  it('case 4: past 1,000 delivered (visitor, key) pairs, a crashed tab’s stale value adopted later does not overwrite the newer one', async () => {
    const context = await stack.newContext()
    const crashed = await stack.open(context, { build: 'iife', options: idle })
    await inPage(crashed, `uf.updateProfile({ theme: 'stale' })`) // queued, never sent by this tab
    const live = await stack.open(context, { build: 'iife', options: fast })
    expect(await inPage(live, `uf.updateProfile({ theme: 'fresh' }); return (await uf.flush()).ok`)).toBe(true)
    // 1,000 more keys delivered: the record of what was delivered outgrows its 1,000 pairs.
    expect(await inPage(live, `const many = {}; for (let i = 0; i < 1000; i++) many['k' + i] = i; uf.updateProfile(many); return (await uf.flush()).ok`)).toBe(true)
    await crash(context, crashed)
    // The next page adopts the crashed tab's queue; its own update shows it has sent what it took.
    const next = await stack.open(context, { build: 'iife', options: fast })
    expect(await inPage(next, `uf.updateProfile({ probe: 1 }); return (await uf.flush()).ok`)).toBe(true)
    await sleep(1000)
    expect(lastValue(await stack.api.accepted(), 'theme')).toBe('fresh')
  })

  for (const [ahead, shift] of [['a day', 86_400_000], ['25 s', 25_000]] as const) {
    it(`case 5: a value queued by a page whose clock was ${ahead} ahead does not overwrite a later value of another page`, async () => {
      const context = await stack.newContext()
      const older = await stack.open(context, { build: 'iife', options: idle })
      const early = await openWith(context, { build: 'iife', options: idle }, clockAhead, shift)
      await inPage(early, `uf.updateProfile({ theme: 'ahead' })`)
      expect(await inPage(older, `uf.updateProfile({ theme: 'later' }); return (await uf.flush()).ok`)).toBe(true)
      // Delivered after the later value (f12cb4f: stamped by Date.now, it looked newer and went).
      expect(await inPage(early, `return (await uf.flush()).ok`)).toBe(true)
      await sleep(500)
      expect(lastValue(await stack.api.accepted(), 'theme')).toBe('later')
    })
  }

  it('case 5: a queue written “in the future” (its page’s clock a day ahead) is adopted and delivered by the next page', async () => {
    const context = await stack.newContext()
    const ahead = await openWith(context, { build: 'iife', options: idle }, clockAhead, 86_400_000)
    await inPage(ahead, `uf.updateProfile({ plan: 'future' })`)
    await crash(context, ahead)
    await stack.open(context, { build: 'iife', options: fast })
    await waitAccepted(stack, (accepted) => accepted.some(has('plan', 'future')), 10_000)
  })

  for (const variant of ['memory', 'throwing'] as const) {
    it(`case 9: a page closed while its update waits for another tab’s send lock sends it at exit (${variant} storage)`, async () => {
      const context = await stack.newContext()
      // The first tab's request is answered 8 s late: it holds the origin-wide send lock meanwhile.
      await stack.api.faults([{ delayMs: 8000 }])
      const holder = await stack.open(context, { build: 'iife', options: fast })
      await inPage(holder, `uf.updateProfile({ slow: 1 })`)
      await stack.api.waitForPosts(has('slow'))
      const config: PageOptions = { build: 'iife', options: { ...fast, ...(variant == 'memory' && { storage: 'memory' }) } }
      const waiter =
        variant == 'memory'
          ? await stack.open(context, config)
          : await openWith(context, config, () => Object.defineProperty(window, 'localStorage', { get: () => { throw new DOMException('The operation is insecure.', 'SecurityError') } }))
      await inPage(waiter, `uf.updateProfile({ waited: '${variant}' })`)
      await sleep(500) // its send is waiting for the lock
      await waiter.close({ runBeforeUnload: true })
      // Before the first tab's request is answered: the exit send did not wait for the lock.
      await waitAccepted(stack, (accepted) => accepted.some(has('waited', variant)), 12_000)
    })
  }

  it('case 11: two clients on one page share its keepalive quota: no exit request is refused, and what did not fit is sent later', async () => {
    // The page's own code notes every keepalive fetch the browser refuses.
    const path = servePage(
      stack,
      `window.__refused = []
const realFetch = window.fetch
window.fetch = function (input, init) {
  const request = realFetch.call(this, input, init)
  if (init?.keepalive || input?.keepalive) request.catch((error) => window.__refused.push(String(error)))
  return request
}
window.userflux = createClient({ writeKey, endpoint: api, storage: 'memory', flushInterval: 60000, onError })
window.second = createClient({ writeKey, endpoint: api, storage: 'memory', storagePrefix: 'uf2', flushInterval: 60000, onError })`,
    )
    const context = await stack.newContext()
    const page = await context.newPage()
    await page.goto(stack.site + path)
    await ready(page)
    // Two entries of 17 KB per client (an update is at most 32 KiB): each client's 34 KB fit its own
    // 60 KiB, the page's 68 KB do not fit its 64 KiB quota.
    await inPage(page, `for (const [client, name] of [[uf, 'one'], [window.second, 'two']]) for (const n of [1, 2]) client.updateProfile({ [name + n]: 'x'.repeat(17000) })`)
    // The page is hidden: both clients send what waits, with keepalive.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await stack.api.waitForPosts(has('one1'))
    await sleep(1000)
    expect(await page.evaluate(() => (window as any).__refused)).toEqual([])
    // Shown again: the update that waited goes.
    await page.evaluate(() => {
      delete (document as any).visibilityState
      document.dispatchEvent(new Event('visibilitychange'))
    })
    expect(await page.evaluate(() => Promise.all([(window as any).userflux.flush(), (window as any).second.flush()]).then((results) => results.every((result) => result.ok)))).toBe(true)
    await waitAccepted(stack, (accepted) => ['one1', 'one2', 'two1', 'two2'].every((name) => accepted.some(has(name))))
  })
})

describe('case 3: without Web Locks (an insecure origin)', () => {
  let browser: Browser
  let shop: string
  beforeAll(async () => {
    // shop.test is 127.0.0.1, but not a secure context as 127.0.0.1 is: no navigator.locks there.
    browser = await chromium.launch({
      executablePath: findChromium(),
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.test 127.0.0.1'],
      headless: true,
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    })
    shop = `http://shop.test:${new URL(stack.site).port}`
  })
  afterAll(() => browser?.close())

  const openShop = async (context: BrowserContext, path: string) => {
    const page = await context.newPage()
    await page.goto(shop + path)
    await ready(page)
    expect(await page.evaluate(() => navigator.locks === undefined)).toBe(true)
    return page
  }

  it('case 3: a closed tab’s unsent update is sent by the next page once 10 minutes have passed (11 min on the clock)', async () => {
    const context = await browser.newContext()
    try {
      await context.clock.install()
      const path = tagPage({ endpoint: stack.api.url, flushInterval: 50, minRetryDelay: 60_000 })
      await stack.api.faults([{ status: 503, times: 2 }]) // its one try, and its exit send
      const closed = await openShop(context, path)
      expect(await inPage(closed, `uf.updateProfile({ plan: 'closed' }); return (await uf.flush()).ok`)).toBe(false)
      await closed.close({ runBeforeUnload: true })
      await stack.api.waitForPosts(has('plan'), 2)
      await stack.api.reset() // the API is back
      await openShop(context, path)
      await sleep(1500)
      // Not yet: the closed tab might still be alive (without locks nothing tells).
      expect(await posted(has('plan'))).toBe(0)
      await context.clock.fastForward('11:00')
      await waitAccepted(stack, (accepted) => accepted.some(has('plan', 'closed')), 15_000)
    } finally {
      await context.close()
    }
  })

  it('case 3: a page restored from the back/forward cache sends its unsent update', async () => {
    const context = await browser.newContext()
    try {
      const path = tagPage(
        { endpoint: stack.api.url, flushInterval: 50, minRetryDelay: 60_000 },
        `addEventListener('pageshow', (event) => event.persisted && console.log(${JSON.stringify(RESTORED)}))`,
      )
      stack.serve('/elsewhere.html', '<!doctype html><title>elsewhere</title>elsewhere', { 'cache-control': 'no-cache' })
      await stack.api.faults([{ status: 503, times: 2 }]) // its one try, and its exit send
      const page = await openShop(context, path)
      expect(await inPage(page, `uf.updateProfile({ theme: 'cached' }); return (await uf.flush()).ok`)).toBe(false)
      await page.goto(shop + '/elsewhere.html')
      await stack.api.waitForPosts(has('theme'), 2)
      await stack.api.reset() // the API is back
      await goBackToCachedPage(page)
      // Its copy of the entry still says its exit request may be on the wire (wireUntil: 10 s and a
      // millisecond a byte from the exit), so it waits that out first.
      await waitAccepted(stack, (accepted) => accepted.some(has('theme', 'cached')), 25_000)
    } finally {
      await context.close()
    }
  })

  it("found case B1: a tab's newer value sent as it went into the back/forward cache is not overtaken by another tab's older one", async () => {
    const context = await browser.newContext()
    try {
      const path = tagPage({ endpoint: stack.api.url, ...idle }, `addEventListener('pageshow', (event) => event.persisted && console.log(${JSON.stringify(RESTORED)}))`)
      stack.serve('/elsewhere-b1.html', '<!doctype html><title>elsewhere</title>elsewhere', { 'cache-control': 'no-cache' })
      const first = await openShop(context, path)
      await inPage(first, `uf.updateProfile({ b: 'older', c: 'first' })`)
      const second = await openShop(context, path)
      await inPage(second, `uf.updateProfile({ b: 'newer' })`)
      // Left for the cache: its exit keepalive lands, and the frozen page does not see the answer.
      await second.goto(shop + '/elsewhere-b1.html')
      await waitAccepted(stack, (accepted) => accepted.some(has('b', 'newer')))
      // Past the second tab's mark (10 s and a millisecond a byte), the first tab sends what it holds.
      await sleep(11_000)
      expect(await inPage(first, `return (await uf.flush()).ok`)).toBe(true)
      await waitAccepted(stack, (accepted) => accepted.some(has('c', 'first')))
      // Restored, the second tab hears its answer: delivered, nothing more to send.
      await goBackToCachedPage(second)
      await sleep(1000)
      // 83fc142: the first tab's older value landed last, and nothing sent the newer one again.
      expect(lastValue(await stack.api.accepted(), 'b')).toBe('newer')
    } finally {
      await context.close()
    }
  })

  it("found case L3: a reloaded page's delivered exit send of a user, adopted 10 minutes later, does not land over the user's newer value under another id", async () => {
    const context = await browser.newContext()
    try {
      await context.clock.install()
      const path = tagPage({ endpoint: stack.api.url, ...idle })
      const page = await openShop(context, path)
      await inPage(page, `uf.identify('alice'); uf.updateProfile({ plan: 'old' })`)
      // Reloaded: the exit keepalive lands; the page that sent it never sees the answer, so its
      // queue stays stored (without Web Locks nothing tells the next page it is gone).
      await page.reload()
      await ready(page)
      await waitAccepted(stack, (accepted) => accepted.some(has('plan', 'old')))
      // Signed out and in again: a new anonymousId, the same user, a newer value, delivered.
      await inPage(page, `uf.reset(); uf.identify('alice'); uf.updateProfile({ plan: 'new' })`)
      expect(await inPage(page, `return (await uf.flush()).ok`)).toBe(true)
      // Ten minutes on: the old queue is adopted and sent again.
      await context.clock.fastForward('11:00')
      await sleep(3000)
      expect(await inPage(page, `return (await uf.flush()).ok`)).toBe(true)
      // 83fc142: the old value, sent again under the old anonymousId, landed last.
      expect(lastValue(await stack.api.accepted(), 'plan')).toBe('new')
      // And nothing is left queued anywhere.
      expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-queue-v1|')).reduce((sum, key) => sum + JSON.parse(localStorage.getItem(key)!).entries.length, 0))).toBe(0)
    } finally {
      await context.close()
    }
  })

  it("found case C2: a wall clock set a day ahead does not make a live tab's queue look abandoned", async () => {
    const context = await browser.newContext()
    try {
      await context.clock.install()
      const path = tagPage({ endpoint: stack.api.url, ...idle })
      const first = await openShop(context, path)
      await inPage(first, `uf.updateProfile({ plan: 'first' })`)
      const second = await openShop(context, path)
      await sleep(1500)
      // The system clock a day ahead (Date only; the pages' monotonic clocks run on). Then a queue of
      // another write key is written (another snippet of the site), and the second tab looks at every
      // queue once more; the first tab's was written a "day" ago.
      await context.clock.setSystemTime((await first.evaluate(() => Date.now())) + 86_400_000)
      await first.evaluate(() => localStorage.setItem('uf-queue-v1|another-key|page', JSON.stringify({ version: 1, writtenAt: Date.now(), endpoint: 'e', entries: [] })))
      await sleep(2500)
      await inPage(first, `uf.updateProfile({ seats: 2 })`)
      // 83fc142: the second tab took the live tab's queue for an abandoned one, and sent it.
      expect(await inPage(second, `return (await uf.flush()).ok`)).toBe(true)
      expect(await posted(has('plan'))).toBe(0)
      expect(await inPage(first, `return (await uf.flush()).ok`)).toBe(true)
      await waitAccepted(stack, (accepted) => accepted.some((body) => has('plan', 'first')(body) && has('seats', 2)(body)))
      expect(await posted(has('plan'))).toBe(1)
    } finally {
      await context.close()
    }
  })

  it('case 3: two tabs sending one key at once end with the later value', async () => {
    const context = await browser.newContext()
    try {
      await context.clock.install()
      const path = tagPage({ endpoint: stack.api.url, ...idle })
      const first = await openShop(context, path)
      await inPage(first, `uf.updateProfile({ b: 'older', c: 'first' })`)
      const second = await openShop(context, path)
      await inPage(second, `uf.updateProfile({ b: 'newer' })`)
      // The second tab's exit keepalive lands; its page never sees the answer.
      await second.close({ runBeforeUnload: true })
      await waitAccepted(stack, (accepted) => accepted.some(has('b', 'newer')))
      // The first tab sends its older value of b now (f12cb4f: it lands last, and stays).
      void inPage(first, `uf.flush()`)
      await sleep(500)
      await context.clock.fastForward('11:00')
      await waitAccepted(stack, (accepted) => accepted.some(has('c')) && lastValue(accepted, 'b') == 'newer', 15_000)
      await sleep(1000)
      expect(lastValue(await stack.api.accepted(), 'b')).toBe('newer')
    } finally {
      await context.close()
    }
  })
})
