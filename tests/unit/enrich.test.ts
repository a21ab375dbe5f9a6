import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { UserFluxError } from '../../src/core/errors.js'
import { createEnrichment } from '../../src/features/enrich.js'
import { createStorage, type SafeStorage } from '../../src/browser/storage.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: SafeStorage
let history: { state: unknown; replaceState: ReturnType<typeof vi.fn> }

/** A page at https://shop.test/p with `search`; the URL is read from `href`, and cleaned through history.replaceState. */
const land = (search: string) => {
  vi.stubGlobal('location', { href: 'https://shop.test/p' + search, search })
  history = { state: { page: 1 }, replaceState: vi.fn() }
  vi.stubGlobal('history', history)
}
const anonymous = { anonymousId: 'anon-1' }

beforeEach(() => {
  storage = createStorage(new MemoryStorage(), () => {})
  report = vi.fn<(error: UserFluxError) => void>()
  vi.stubGlobal('window', {})
  vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0 Firefox/133.0', language: 'de' })
  vi.stubGlobal('screen', { width: 390, height: 844 })
  vi.stubGlobal('innerWidth', 390)
  vi.stubGlobal('innerHeight', 700)
  land('')
})
afterEach(() => vi.unstubAllGlobals())

let report: Mock<(error: UserFluxError) => void>
const make = (deviceData = true, canStore = () => true) => createEnrichment(storage, 'uf-externalId', deviceData, canStore, report)

describe('device data', () => {
  it('goes with every request until one is accepted, then only after an identity change', () => {
    const enrichment = make()
    const first = enrichment._extra(anonymous)
    expect(first.deviceData).toMatchObject({ browser: 'Firefox', browserLanguage: 'de' })
    // A failed request: the next one carries it again.
    expect(enrichment._extra(anonymous).deviceData).toBeDefined()
    enrichment._sent(anonymous, first)
    expect(enrichment._extra(anonymous)).toEqual({})
    expect(enrichment._extra({ userId: 'alice', anonymousId: 'anon-1' }).deviceData).toBeDefined()
    expect(enrichment._extra({ anonymousId: 'anon-2' }).deviceData).toBeDefined()
    // Accepted without device data (sent by another request): still owed.
    enrichment._sent({ anonymousId: 'anon-2' }, {})
    expect(enrichment._extra({ anonymousId: 'anon-2' }).deviceData).toBeDefined()
  })
  it('never with deviceData: false, nor without a window (SSR, Node)', () => {
    expect(make(false)._extra(anonymous)).toEqual({})
    vi.stubGlobal('window', undefined)
    expect(make()._extra(anonymous)).toEqual({})
  })
})

describe('external id', () => {
  it('the landing URL’s ufeid is remembered and sent with every request until forgotten', () => {
    land('?utm_source=mail&ufeid=ext-42')
    const enrichment = make(false)
    expect(storage._get('uf-externalId')).toBe('ext-42')
    // New (SPEC §14): out of the address bar once stored, so a shared link does not hand this id on; the history entry's state is kept.
    expect(history.replaceState).toHaveBeenCalledExactlyOnceWith({ page: 1 }, '', 'https://shop.test/p?utm_source=mail')
    enrichment._sent(anonymous, enrichment._extra(anonymous))
    expect(enrichment._extra(anonymous)).toEqual({ externalId: 'ext-42' })
    // A later page without the parameter still sends it.
    land('')
    expect(make(false)._extra(anonymous)).toEqual({ externalId: 'ext-42' })
    expect(history.replaceState).not.toHaveBeenCalled()
    enrichment._forget()
    expect(storage._get('uf-externalId')).toBeNull()
    expect(enrichment._extra(anonymous)).toEqual({})
  })
  it('ignores one over 256 characters, and any while storing is not allowed', () => {
    land('?ufeid=' + 'x'.repeat(257))
    make(false)
    // Read (and so removed from the address bar) although not kept.
    expect(history.replaceState).toHaveBeenCalledOnce()
    land('?ufeid=ok')
    make(false, () => false)
    expect(history.replaceState).toHaveBeenCalledOnce()
    expect(storage._get('uf-externalId')).toBeNull()
    // The same page with storing allowed does keep it: the two refusals above are the rules, not a URL not read.
    land('?ufeid=ok')
    make(false)
    expect(storage._get('uf-externalId')).toBe('ok')
  })
})

describe('a stored external id is checked like any input (SPEC §14)', () => {
  it.each([
    ['70 KB', 'x'.repeat(70_000)],
    ['over 256 characters', 'x'.repeat(257)],
    ['with a control character', 'ext\u0000'],
    ['blank', '  '],
  ])('one %s (planted in storage or a cookie) is never sent', (_, planted) => {
    storage._set('uf-externalId', planted)
    expect(make(false)._extra(anonymous)).toEqual({})
  })
  // Unit finding 8 (fixed in 9177c53).
  it('one that is not valid is repaired (removed) and reported once, not skipped on every request', () => {
    storage._set('uf-externalId', 'x'.repeat(70_000))
    const enrichment = make(false)
    enrichment._extra(anonymous)
    enrichment._extra(anonymous)
    expect(storage._get('uf-externalId')).toBeNull()
    expect(report).toHaveBeenCalledExactlyOnceWith(expect.objectContaining({ code: 'storage', message: 'userflux: corrupt uf-externalId ignored' }))
  })
  it('a valid one is', () => {
    storage._set('uf-externalId', 'ext-1')
    expect(make(false)._extra(anonymous)).toEqual({ externalId: 'ext-1' })
    expect(report).not.toHaveBeenCalled()
  })
})
