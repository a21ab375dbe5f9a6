/**
 * Issue 12, cases 14–20: nothing leaves after an opt-out in any tab, and an update is never sent
 * under another person's identity, whatever the other tabs, clients and clocks do meanwhile.
 * Real Chromium, real localStorage, the local Integration API over loopback.
 */
import type { Page } from 'playwright'
import { describe, expect, it } from 'vitest'
import { inPage, ready, sleep, useStack, watchForOptOut, WRITE_KEY } from './harness.js'

/** deviceData goes with a page's first request for an identity (SPEC §8): not what these cases are about. */
const withoutDevice = (body: any) => ({ ...body, deviceData: undefined })

const stack = useStack()

const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }
/** No retry within a test: what stays pending stays pending until the test moves it on. */
const noRetry = { flushInterval: 50, minRetryDelay: 60_000, maxRetryDelay: 60_000 }

const queueKeys = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-queue-')))
/** Whether the origin-wide lock every send takes (src/delivery/delivery.ts: withLock('userflux')) is held, and wanted. */
const lockUse = (page: Page) =>
  page.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query()
    return { held: held.some((lock) => lock.name == 'userflux'), pending: pending.some((lock) => lock.name == 'userflux') }
  })
const withEmail = (body: any) => !!body && JSON.stringify(body).includes('alice@example.com')

describe('sent after opt-out', () => {
  it('case 14: an identify queued behind a slow request in tab B is not sent once tab A opted out', async () => {
    await stack.api.faults([{ delayMs: 3000 }])
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build: 'esm', options: fast }), await stack.open(context, { build: 'esm', options: fast })]
    await inPage(b, `uf.updateProfile({ first: 'slow' })`)
    await stack.api.waitForPosts((body) => body?.properties?.first == 'slow')
    // Queued while the slow request is on the wire: it goes out right after it, unless opted out.
    await inPage(b, `uf.identify('alice', { email: 'alice@example.com' })`)
    await inPage(a, `uf.optOut()`)
    await stack.api.waitFor((accepted) => accepted.some((body) => body.properties?.first == 'slow'))
    await sleep(3000)
    expect((await stack.api.requests()).posts.filter((post) => withEmail(post.body))).toEqual([])
    expect(await queueKeys(a)).toEqual([])
  })

  it('case 14 (lock variant): a send waiting for the origin-wide lock held by another tab is not made once opted out', async () => {
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build: 'esm', options: fast }), await stack.open(context, { build: 'esm', options: fast })]
    // Tab A holds the lock every send takes for 5 s.
    await a.evaluate(() => new Promise<void>((granted) => void navigator.locks.request('userflux', () => (granted(), new Promise((r) => setTimeout(r, 5000))))))
    await inPage(b, `uf.identify('alice', { email: 'alice@example.com' })`)
    // B's send is now waiting for the lock.
    await expect.poll(() => lockUse(b), { timeout: 15_000 }).toEqual({ held: true, pending: true })
    await inPage(a, `uf.optOut()`)
    // Once the lock is free again and nobody waits for it, any send it held back has been made.
    await expect.poll(() => lockUse(b), { timeout: 15_000 }).toEqual({ held: false, pending: false })
    await sleep(1000)
    expect((await stack.api.requests()).posts.filter((post) => withEmail(post.body))).toEqual([])
  })

  it('case 15: an update pending in another tab at opt-out is erased, and not sent after optIn()', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const a = await stack.open(context, { build: 'esm', options: fast })
    const b = await stack.open(context, { build: 'esm', options: noRetry })
    expect(await inPage(b, `uf.updateProfile({ secret: 'pending in B' }); return (await uf.flush()).ok`)).toBe(false)
    // B's pending update is persisted (tab A sees B's write a moment later: storage reaches other tabs asynchronously).
    await expect.poll(() => queueKeys(a), { timeout: 5000 }).not.toEqual([])
    const bSeesOptOut = await watchForOptOut(b)
    await inPage(a, `uf.optOut()`)
    await expect.poll(() => queueKeys(a), { timeout: 5000 }).toEqual([])
    await bSeesOptOut() // before the opt-in: B must have had the chance to drop what it holds in memory
    // Consent given again and the API back: B's old update must stay gone, in B, on reload, in a new tab.
    await inPage(a, `uf.optIn()`)
    await stack.api.reset()
    await b.evaluate(() => dispatchEvent(new Event('online')))
    await inPage(a, `uf.updateProfile({ after: 'opt-in' }); await uf.flush()`)
    await b.reload()
    await stack.open(context, { build: 'esm', options: fast })
    await stack.api.waitFor((accepted) => accepted.some((body) => body.properties?.after == 'opt-in'))
    await sleep(2000)
    expect((await stack.api.accepted()).filter((body) => body.properties?.secret)).toEqual([])
  })
})

describe('wrong identity', () => {
  it('case 16: any non-empty userId round-trips through a reload, and the next user gets a new anonymousId', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    for (const userId of ['José García', 'u'.repeat(300)]) {
      const before = await inPage<string>(page, `uf.identify(${JSON.stringify(userId)}); await uf.flush(); return uf.anonymousId`)
      await page.reload()
      await ready(page)
      expect(await inPage(page, `return uf.userId`)).toBe(userId)
      expect(await page.evaluate(() => window.__ufErrors)).toEqual([])
      // The next person on this browser: never linked to the previous one's anonymous profile.
      const after = await inPage<string>(page, `uf.identify('bob'); await uf.flush(); return uf.anonymousId`)
      expect(after).not.toBe(before)
      const accepted = await stack.api.waitFor((accepted) => accepted.find((body) => body.userId == 'bob'))
      expect(accepted.anonymousId).not.toBe(before)
      await inPage(page, `uf.reset()`)
      await stack.api.reset()
    }
  })

  it('case 17: a logout in another tab soon after a new visitor appeared does not relabel alice’s queued update', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const [one, two] = [await stack.open(context, { build: 'esm', options: fast }), await stack.open(context, { build: 'esm', options: fast })]
    // The visitor's first id is made now, by this identify: within 5 s of it, tab two logs out.
    const alice = await inPage<string>(one, `uf.identify('alice', { plan: 'pro' }); return uf.anonymousId`)
    const next = await inPage<string>(two, `uf.reset(); return uf.anonymousId`)
    expect(next).not.toBe(alice)
    await sleep(500)
    await stack.api.reset()
    const sent = await stack.api.waitFor((accepted) => accepted.find((body) => body.userId == 'alice'))
    expect(withoutDevice(sent)).toEqual({ userId: 'alice', anonymousId: alice, properties: { plan: 'pro' } })
  })

  it('case 17 (clock set back an hour): a logout 8 s later does not relabel alice’s queued update', async () => {
    await stack.api.faults([{ status: 503, times: 1000 }])
    const context = await stack.newContext()
    const [one, two] = [await stack.open(context, { build: 'esm', options: fast }), await stack.open(context, { build: 'esm', options: fast })]
    const alice = await inPage<string>(one, `uf.identify('alice', { plan: 'pro' }); return uf.anonymousId`)
    // The system clock is corrected back an hour (as NTP may do) right after the id was made.
    await one.evaluate(() => {
      const real = Date.now.bind(Date)
      Date.now = () => real() - 3_600_000
    })
    await sleep(8000)
    const next = await inPage<string>(two, `uf.reset(); return uf.anonymousId`)
    expect(next).not.toBe(alice)
    await sleep(500)
    await stack.api.reset()
    const sent = await stack.api.waitFor((accepted) => accepted.find((body) => body.userId == 'alice'))
    expect(withoutDevice(sent)).toEqual({ userId: 'alice', anonymousId: alice, properties: { plan: 'pro' } })
  })

  it('case 18: localStorage.clear() then reset() in one tab logs the user out in the other tabs too', async () => {
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build: 'esm', options: fast }), await stack.open(context, { build: 'esm', options: fast })]
    await inPage(a, `uf.identify('alice'); await uf.flush()`)
    await expect.poll(() => inPage(b, `return uf.userId`), { timeout: 5000 }).toBe('alice')
    // A common logout routine.
    const next = await inPage<string>(a, `localStorage.clear(); uf.reset(); return uf.anonymousId`)
    await sleep(500) // other renderers see the change a moment later
    await inPage(b, `uf.updateProfile({ after: 'logout' }); await uf.flush()`)
    const sent = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.after == 'logout'))
    expect(withoutDevice(sent)).toEqual({ anonymousId: next, properties: { after: 'logout' } })
    expect(await inPage(b, `return uf.userId`)).toBeNull()
  })

  it('case 19: two clients on one page with the default prefix: reset() on one logs the other out', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    const result = await inPage<{ second: string | null; next: string; after: string | null }>(
      page,
      `const { createClient } = await import('/dist/index.js')
      uf.identify('alice'); await uf.flush()
      // Another endpoint (the site's /uf proxy to the same API): the same writeKey, endpoint and
      // storagePrefix would give back the page's own client (one client per page and all three).
      const other = createClient({ writeKey: ${JSON.stringify(WRITE_KEY)}, endpoint: '/uf', flushInterval: 50 })
      if (other === uf) throw new Error('the same client')
      const second = other.userId
      uf.reset()
      const next = uf.anonymousId
      // The logout may reach the other client a moment later, as it would reach another tab.
      await new Promise((resolve) => setTimeout(resolve, 200))
      other.updateProfile({ from: 'second client' }); await other.flush()
      return { second, next, after: other.userId }`,
    )
    expect(result.second).toBe('alice')
    const sent = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.from == 'second client'))
    expect(withoutDevice(sent)).toEqual({ anonymousId: result.next, properties: { from: 'second client' } })
    expect(result.after).toBeNull()
  })

  it('case 20: a storage: "memory" client ignores the identity other tabs keep in storage', async () => {
    const context = await stack.newContext()
    const a = await stack.open(context, { build: 'esm', options: { ...fast, storage: 'memory' } })
    const own = await inPage<string>(a, `uf.updateProfile({ from: 'memory' }); await uf.flush(); return uf.anonymousId`)
    const b = await stack.open(context, { build: 'esm', options: fast })
    await inPage(b, `uf.identify('bob'); await uf.flush()`)
    await sleep(1000) // storage events from B have reached A by now
    expect(await inPage(a, `return uf.userId`)).toBeNull()
    expect(await inPage(a, `return uf.anonymousId`)).toBe(own)
    await inPage(a, `uf.updateProfile({ again: 'memory' }); await uf.flush()`)
    const sent = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.again))
    expect(withoutDevice(sent)).toEqual({ anonymousId: own, properties: { again: 'memory' } })
  })
})
