/**
 * Issue 25 case 7: the ids removed by the page's own code (a consent manager, a logout routine's
 * `removeItem`), which no `storage` event tells that page. The visitor starts afresh: the old id is
 * never written back, and the next user is not linked to the previous user's anonymous profile.
 * Real Chromium, real localStorage, the local Integration API over loopback (simulated: found case F3b).
 */
import { describe, expect, it } from 'vitest'
import { BUILDS, inPage, useStack } from './harness.js'

const stack = useStack()
const fast = { flushInterval: 50, minRetryDelay: 100, maxRetryDelay: 400 }
/** Resolves in `page` once it has had the storage event of the id's removal (after the client's own listener). */
const hearRemoval = (page: import('playwright').Page) =>
  page.evaluate(() => {
    ;(window as any).removalHeard = new Promise<void>((resolve) => addEventListener('storage', (event) => event.key == 'uf-anonymousId' && event.newValue == null && resolve()))
  })
const heardRemoval = (page: import('playwright').Page) => page.evaluate(() => (window as any).removalHeard)
const stored = (page: import('playwright').Page) => page.evaluate(() => ({ anonymousId: localStorage.getItem('uf-anonymousId'), userId: localStorage.getItem('uf-userId') }))

describe.each(BUILDS)('ids removed by the page itself (%s build)', (build) => {
  const options = fast

  it('the next identify() links a new anonymousId, not the removed one', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build, options })
    await inPage(page, `uf.identify('carol', { plan: 'pro' })`)
    const carol = await stack.api.waitFor((accepted) => accepted.find((body) => body.userId == 'carol'))
    // The page's logout code, without reset(): this page gets no storage event for it.
    await page.evaluate(() => {
      localStorage.removeItem('uf-anonymousId')
      localStorage.removeItem('uf-userId')
    })
    await inPage(page, `uf.identify('alice', { plan: 'free' })`)
    const alice = await stack.api.waitFor((accepted) => accepted.find((body) => body.userId == 'alice'))
    expect(alice.anonymousId).toEqual(expect.any(String))
    expect(alice.anonymousId).not.toBe(carol.anonymousId)
    // The new id is the one stored, and the one the page now reports.
    expect(await stored(page)).toEqual({ anonymousId: alice.anonymousId, userId: 'alice' })
    expect(await inPage(page, `return uf.anonymousId`)).toBe(alice.anonymousId)
    // The API links carol's anonymous profile to carol only.
    expect((await stack.api.profile('alice'))?.anonymousIds ?? [alice.anonymousId]).not.toContain(carol.anonymousId)
  })

  it('removed while another tab is open: neither tab writes the old id back, and a reload gets a new one', async () => {
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build, options }), await stack.open(context, { build, options })]
    await inPage(a, `uf.updateProfile({ first: 1 })`)
    const first = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.first == 1))
    await hearRemoval(b)
    await a.evaluate(() => localStorage.removeItem('uf-anonymousId'))
    // Tab B hears of it (a storage event: waited for, or B could still send under the old id); tab A
    // does not, and finds out at its next identify.
    await heardRemoval(b)
    await inPage(b, `uf.updateProfile({ second: 2 })`)
    const second = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.second == 2))
    expect(second.anonymousId).not.toBe(first.anonymousId)
    await inPage(a, `uf.identify('dave')`)
    const dave = await stack.api.waitFor((accepted) => accepted.find((body) => body.userId == 'dave'))
    expect(dave.anonymousId).not.toBe(first.anonymousId)
    await a.reload()
    await a.waitForFunction(() => window.userflux && !Array.isArray(window.userflux))
    expect((await stored(a)).anonymousId).not.toBe(first.anonymousId)
    expect(await inPage(a, `return uf.anonymousId`)).not.toBe(first.anonymousId)
  })
})

/**
 * The same removal within 5 s of a new visitor's first id, while another tab makes an id of its own
 * (found cases F4c and F4d): a new id written by another tab looks, to the page whose id is still
 * provisional, like a second new tab of the same visitor, and its queued update would follow that id.
 * Here it stays the forgotten visitor's.
 */
describe.each(BUILDS)('ids removed by the page within 5 s of a new id, another tab open (%s build)', (build) => {
  // Tab A keeps its update queued until flushed, so that it is still queued when the other tab acts.
  const slow = { ...fast, flushInterval: 60_000 }

  it('an idle tab hearing of an id already removed writes none, and the queued update keeps its id (F4c)', async () => {
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build, options: slow }), await stack.open(context, { build, options: fast })]
    // Subscribed, as a React app re-rendering on every change is: told of the removal, it reads the ids.
    await inPage(b, `uf.subscribe(() => {})`)
    await hearRemoval(b)
    // A new visitor's first update, and the page's own code removing the ids in the same task: tab B
    // hears of an id that is gone by then (Chromium tells only of the removal, the write folded into it).
    const made = await inPage<string>(a, `uf.updateProfile({ early: 1 }); const id = uf.anonymousId; localStorage.removeItem('uf-anonymousId'); return id`)
    await heardRemoval(b)
    // Let tab A hear whatever tab B did about it.
    await b.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)))
    expect((await stored(a)).anonymousId).toBeNull()
    await inPage(a, `await uf.flush()`)
    const early = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.early == 1))
    expect(early.anonymousId).toBe(made)
  })

  it("another tab's first update after the removal: its new id does not take the forgotten visitor's update (F4d)", async () => {
    const context = await stack.newContext()
    const [a, b] = [await stack.open(context, { build, options: slow }), await stack.open(context, { build, options: fast })]
    const made = await inPage<string>(a, `uf.updateProfile({ early: 1 }); return uf.anonymousId`)
    await hearRemoval(b)
    await a.evaluate(() => localStorage.removeItem('uf-anonymousId'))
    // Once tab B knows (before its storage event, B's update is still the old visitor's).
    await heardRemoval(b)
    await inPage(b, `uf.updateProfile({ late: 2 })`)
    const late = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.late == 2))
    expect(late.anonymousId).not.toBe(made)
    // Tab B's id is stored once tab A could no longer take it for a new tab's: A's update stays A's.
    await a.waitForFunction((id) => localStorage.getItem('uf-anonymousId') == id, late.anonymousId, { timeout: 15_000 })
    await inPage(a, `await uf.flush()`)
    const early = await stack.api.waitFor((accepted) => accepted.find((body) => body.properties?.early == 1))
    expect(early.anonymousId).toBe(made)
    expect(await inPage(a, `return uf.anonymousId`)).toBe(late.anonymousId)
  })
})
