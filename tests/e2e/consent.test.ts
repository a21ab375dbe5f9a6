/**
 * Issue 22, SPEC §11, in real Chromium against the local Integration API: a consent-first site's plain
 * banner (pending until Accept or Decline), the stored choice on the next page, and two tabs.
 */
import type { Page } from 'playwright'
import { describe, expect, it } from 'vitest'
import { BUILDS, inPage, ready, sleep, useStack, waitInPage } from './harness.js'
import { consentPage } from './consent-pages.js'

const stack = useStack()

const stored = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-')).sort())
const cookies = (page: Page) => page.evaluate(() => document.cookie)
const properties = async () => (await stack.api.accepted()).map((body) => body.properties)

describe.each(BUILDS)('a plain banner (%s build)', (build) => {
  const open = async (page: Page) => {
    await page.goto(consentPage(stack, { build, stub: true, banner: true, options: { consent: 'pending' } }))
    await ready(page)
    return inPage<string>(page, `uf.updateProfile({ theme: 'dark' }); uf.identify('user-42', { plan: 'pro' }); uf.updateProfile({ theme: 'light' }); return uf.anonymousId`)
  }

  it('pending keeps calls in memory; Accept delivers them once, in order, under the id shown; the next page starts granted', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    const shown = await open(page)
    expect(await inPage(page, `return [uf.consent, uf.hasOptedOut, (await uf.flush()).error?.code]`)).toEqual(['pending', false, 'consent-pending'])
    await sleep(500) // ten flush intervals
    expect((await stack.api.requests()).posts).toEqual([])
    expect(await stored(page)).toEqual([])
    expect(await cookies(page)).toBe('')
    await page.click('#accept')
    await stack.api.waitFor((accepted) => accepted.length == 2)
    expect(await stack.api.accepted()).toEqual([
      expect.objectContaining({ anonymousId: shown, properties: { theme: 'dark' } }),
      expect.objectContaining({ userId: 'user-42', anonymousId: shown, properties: { plan: 'pro', theme: 'light' } }),
    ])
    expect(await stored(page)).toEqual(expect.arrayContaining(['uf-anonymousId', 'uf-optOut', 'uf-userId']))
    // The page says pending again; the visitor's stored choice wins, and nothing is sent twice.
    await page.reload()
    await ready(page)
    expect(await inPage(page, `uf.updateProfile({ visit: 2 }); await uf.flush(); return [uf.consent, uf.anonymousId, uf.userId]`)).toEqual(['granted', shown, 'user-42'])
    await sleep(300)
    expect(await properties()).toEqual([{ theme: 'dark' }, { plan: 'pro', theme: 'light' }, { visit: 2 }])
  })

  it('Decline sends nothing and leaves nothing but the choice, on this page and the next', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    await open(page)
    await page.click('#decline')
    expect(await inPage(page, `return [uf.consent, uf.hasOptedOut]`)).toEqual(['denied', true])
    await inPage(page, `uf.updateProfile({ after: 'decline' }); await uf.flush()`)
    await page.reload()
    await ready(page)
    expect(await inPage(page, `uf.updateProfile({ visit: 2 }); await uf.flush(); return uf.consent`)).toBe('denied')
    await sleep(500)
    expect((await stack.api.requests()).posts).toEqual([])
    expect(await stored(page)).toEqual(['uf-optOut'])
    expect(await cookies(page)).toBe('')
  })
})

describe('two tabs', () => {
  // Each tab sets its own keys: of one key set in both, only the later value would be delivered (the
  // ledger keeps the last value of a key, whichever tab holds it).
  const twoPendingTabs = async () => {
    const context = await stack.newContext()
    const url = consentPage(stack, { build: 'esm', options: { consent: 'pending' } })
    const [a, b] = [await context.newPage(), await context.newPage()]
    for (const page of [a, b]) await page.goto(url), await ready(page)
    await inPage(a, `uf.updateProfile({ fromA: 1 })`)
    await inPage(b, `uf.updateProfile({ fromB: 1, theme: 'dark' })`)
    await sleep(300)
    expect((await stack.api.requests()).posts).toEqual([])
    expect(await stored(a)).toEqual([])
    return [a, b] as const
  }

  it("a grant in one delivers what the other holds in memory, under one visitor, and the other persists from then on", async () => {
    const [a, b] = await twoPendingTabs()
    await inPage(a, `uf.optIn()`)
    await waitInPage(b, () => (window as any).userflux.consent == 'granted')
    await stack.api.waitFor((accepted) => accepted.length == 2)
    const visitor = await inPage<string>(a, `return uf.anonymousId`)
    expect(await inPage(b, `return uf.anonymousId`)).toBe(visitor)
    expect(await stack.api.accepted()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ anonymousId: visitor, properties: { fromA: 1 } }),
        expect.objectContaining({ anonymousId: visitor, properties: { fromB: 1, theme: 'dark' } }),
      ]),
    )
    await inPage(b, `uf.updateProfile({ later: 'b' })`)
    await stack.api.waitFor((accepted) => accepted.length == 3)
    await sleep(300)
    expect(await properties()).toHaveLength(3)
  })

  it('a denial in one discards what the other holds', async () => {
    const [a, b] = await twoPendingTabs()
    await inPage(a, `uf.optOut()`)
    await waitInPage(b, () => (window as any).userflux.consent == 'denied')
    // Even a later grant cannot bring back what the denial discarded.
    await inPage(b, `uf.optIn(); await uf.flush()`)
    await sleep(500)
    expect((await stack.api.requests()).posts).toEqual([])
  })
})
