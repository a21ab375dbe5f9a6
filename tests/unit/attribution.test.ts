import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { firstTouch } from '../../src/features/attribution.js'
import { createStorage, type SafeStorage } from '../../src/browser/storage.js'
import { MemoryStorage } from '../support/memory-storage.js'

let storage: SafeStorage
const visit = (href: string, referrer = '') => {
  const url = new URL(href)
  vi.stubGlobal('location', { origin: url.origin, pathname: url.pathname, search: url.search })
  vi.stubGlobal('document', { referrer })
  return firstTouch(storage, 'uf-attribution')
}

beforeEach(() => {
  storage = createStorage(new MemoryStorage(), () => {})
})
afterEach(() => vi.unstubAllGlobals())

describe('firstTouch', () => {
  it('on the first page view: referrer, its domain, the landing page and every campaign parameter present', () => {
    expect(
      visit(
        'https://shop.example/landing?utm_source=news&utm_medium=email&utm_campaign=spring&utm_term=shoes&utm_content=top&gclid=g1&fbclid=f1&token=secret',
        'https://www.google.com/search?q=x',
      ),
    ).toEqual({
      // Origin and path only: the referring page's query may carry tokens (SPEC §14).
      initial_referrer: 'https://www.google.com/search',
      initial_referring_domain: 'www.google.com',
      // Without the query, which may carry tokens.
      initial_landing_page: 'https://shop.example/landing',
      initial_utm_source: 'news',
      initial_utm_medium: 'email',
      initial_utm_campaign: 'spring',
      initial_utm_term: 'shoes',
      initial_utm_content: 'top',
      initial_gclid: 'g1',
      initial_fbclid: 'f1',
    })
  })
  it('only once: later visits change nothing', () => {
    expect(visit('https://shop.example/')).toEqual({ initial_referrer: '$direct', initial_referring_domain: '$direct', initial_landing_page: 'https://shop.example/' })
    expect(visit('https://shop.example/?utm_source=later', 'https://other.example/')).toBeUndefined()
    expect(storage._get('uf-attribution')).toBe('1')
  })
  it('caps long values', () => {
    expect(visit('https://shop.example/?utm_campaign=' + 'c'.repeat(2000))!.initial_utm_campaign).toHaveLength(500)
  })
})
