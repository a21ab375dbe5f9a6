/** Privacy controls and the debug switch, in real Chromium against the local Integration API. */
import { describe, expect, it } from 'vitest'
import { inPage, pageUrl, ready, sleep, useStack, watchForOptOut } from './harness.js'

const stack = useStack()

const fast = { flushInterval: 50 }
const ours = (page: import('playwright').Page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-')).sort())

describe('privacy', () => {
  it('optOut: nothing sent or stored but the flag, in every tab and after reload; optIn resumes', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: fast })
    const other = await stack.open(context, { build: 'esm', options: fast })
    const otherSeesOptOut = await watchForOptOut(other)
    await inPage(page, `uf.identify('user-1'); await uf.flush(); uf.optOut(); uf.updateProfile({ after: 'opt-out' }); await uf.flush()`)
    await otherSeesOptOut()
    await inPage(other, `uf.updateProfile({ other: 'tab' }); await uf.flush()`)
    expect(await ours(page)).toEqual(['uf-optOut'])
    await page.reload()
    await ready(page)
    expect(await inPage(page, `uf.updateProfile({ after: 'reload' }); await uf.flush(); return uf.hasOptedOut`)).toBe(true)
    await sleep(300)
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{}]) // only the identify before
    await inPage(page, `uf.optIn(); uf.updateProfile({ back: 'in' }); await uf.flush()`)
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{}, { back: 'in' }])
    expect(await ours(page)).toEqual(expect.arrayContaining(['uf-anonymousId', 'uf-optOut']))
  })

  it('optedOut: true starts opted out until consent, without storing an id', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build: 'esm', options: { ...fast, optedOut: true } })
    const id = await inPage<string>(page, `uf.updateProfile({ before: 'consent' }); await uf.flush(); return uf.anonymousId`)
    expect(await ours(page)).toEqual([])
    await inPage(page, `uf.optIn(); uf.updateProfile({ after: 'consent' }); await uf.flush()`)
    expect(await stack.api.accepted()).toEqual([{ anonymousId: id, properties: { after: 'consent' }, deviceData: expect.any(Object) }])
  })

  it('respectGlobalPrivacyControl honours navigator.globalPrivacyControl; off by default', async () => {
    const context = await stack.newContext()
    await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }))
    const honouring = await stack.open(context, { build: 'esm', options: { ...fast, respectGlobalPrivacyControl: true } })
    expect(await inPage(honouring, `uf.updateProfile({ a: 1 }); await uf.flush(); return uf.hasOptedOut`)).toBe(true)
    const byDefault = await stack.open(context, { build: 'esm', options: fast })
    expect(await inPage(byDefault, `uf.updateProfile({ b: 1 }); await uf.flush(); return uf.hasOptedOut`)).toBe(false)
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{ b: 1 }])
  })
})

describe('debug', () => {
  const logs = (page: import('playwright').Page) => {
    const lines: string[] = []
    page.on('console', (message) => message.type() == 'log' && lines.push(message.text()))
    return lines
  }

  it('data-debug="true" logs what is queued, coalesced, sent and retried, with the reason', async () => {
    await stack.api.faults([{ status: 503, retryAfter: '0' }])
    const context = await stack.newContext()
    const page = await context.newPage()
    const lines = logs(page)
    await page.goto(pageUrl(stack.site, { build: 'iife', options: { debug: true } }))
    await ready(page)
    await inPage(page, `uf.updateProfile({ a: 1 }); uf.updateProfile({ b: 2 })`)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    // The page logs "sent" once its answer arrives, a moment after the API stored it (longer on a
    // loaded machine): waited for, with a generous bound.
    for (const end = Date.now() + 10_000; !lines.some((line) => line.includes('[userflux] sent')) && Date.now() < end; ) await sleep(50)
    const text = lines.join('\n')
    expect(text).toMatch(/\[userflux\] queued/)
    expect(text).toMatch(/\[userflux\] coalesced/)
    // One prefix per line (issue 24): the error's own "userflux: " is not repeated after it.
    expect(text).toMatch(/\[userflux\] failed \(503: .*\): retry 1 in \d+ ms/)
    expect(text).not.toMatch(/\[userflux\] userflux:/)
    expect(text).toMatch(/\[userflux\] sent/)
  })

  it('silent by default', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    const lines = logs(page)
    await page.goto(pageUrl(stack.site, { build: 'iife' }))
    await ready(page)
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect(lines).toEqual([])
  })
})
