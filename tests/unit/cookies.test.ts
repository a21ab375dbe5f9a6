import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { findCookieDomain, withCookies } from '../../src/browser/cookies.js'
import { createStorage } from '../../src/browser/storage.js'
import { FakeCookies } from '../support/fake-cookies.js'
import { MemoryStorage } from '../support/memory-storage.js'

let cookies: FakeCookies
let backing: MemoryStorage

const page = (host: string, protocol = 'https:') => {
  cookies = new FakeCookies(host)
  vi.stubGlobal('document', cookies)
  vi.stubGlobal('location', { hostname: host, protocol })
}
let report: ReturnType<typeof vi.fn>
const wrap = (domain: string | true = true, days = 365) =>
  withCookies(createStorage(backing, () => {}), ['uf-anonymousId', 'uf-userId', 'uf-optOut'], 'uf-optOut', domain, days, report)

beforeEach(() => {
  backing = new MemoryStorage()
  report = vi.fn()
  page('www.example.co.uk')
})
afterEach(() => vi.unstubAllGlobals())

describe('findCookieDomain', () => {
  it.each([
    ['www.example.co.uk', 'example.co.uk'],
    ['app.example.test', 'example.test'],
    ['a.b.example.com', 'example.com'],
    ['example.com', 'example.com'],
    ['localhost', ''],
    ['127.0.0.1', '127.0.0.1'],
  ])('%s → %j, the shortest suffix the browser accepts', (host, domain) => {
    page(host)
    expect(findCookieDomain()).toBe(domain)
    // The probe is gone again.
    expect(cookies.cookie).toBe('')
  })
})

describe('withCookies', () => {
  it('writes both on the found domain: SameSite=Lax, Secure on https, path=/, max-age from days', () => {
    wrap(true, 30)._set('uf-anonymousId', 'id 1;x')
    expect(backing.getItem('uf-anonymousId')).toBe('id 1;x')
    expect(cookies.value('uf-anonymousId', 'example.co.uk')).toBe(encodeURIComponent('id 1;x'))
    const written = cookies.writes.at(-1)!
    expect(written).toContain(';path=/')
    expect(written).toContain(';SameSite=Lax')
    expect(written).toContain(';max-age=2592000')
    expect(written).toContain(';domain=example.co.uk')
    expect(written).toContain(';Secure')
  })
  it('no Secure on http; a named domain is used as given', () => {
    page('app.example.test', 'http:')
    wrap('example.test')._set('uf-userId', 'u')
    expect(cookies.writes.at(-1)).not.toContain('Secure')
    expect(cookies.value('uf-userId', 'example.test')).toBe('u')
  })
  it('leaves other keys to storage alone', () => {
    const storage = wrap()
    storage._set('uf-queue-x', '[]')
    expect(cookies.writes).toEqual([])
    expect(storage._get('uf-queue-x')).toBe('[]')
  })
  it('the cookie wins when it differs, and storage follows', () => {
    backing.setItem('uf-anonymousId', 'local')
    cookies.cookie = 'uf-anonymousId=shared;domain=example.co.uk'
    expect(wrap()._get('uf-anonymousId')).toBe('shared')
    expect(backing.getItem('uf-anonymousId')).toBe('shared')
  })
  it('an id only in storage (the option just turned on) is copied into the cookie', () => {
    backing.setItem('uf-anonymousId', 'local')
    expect(wrap()._get('uf-anonymousId')).toBe('local')
    expect(cookies.value('uf-anonymousId', 'example.co.uk')).toBe('local')
  })
  it('a removal reaches the other subdomain: an empty cookie, not a missing one', () => {
    const www = wrap()
    www._set('uf-userId', 'alice')
    www._remove('uf-userId')
    expect(backing.getItem('uf-userId')).toBeNull()
    expect(cookies.value('uf-userId', 'example.co.uk')).toBe('')
    // The other subdomain still has alice in its own storage: the empty cookie wins.
    const other = new MemoryStorage()
    other.setItem('uf-userId', 'alice')
    const app = withCookies(createStorage(other, () => {}), ['uf-userId'], 'uf-optOut', true, 365, report)
    expect(app._get('uf-userId')).toBeNull()
    expect(other.getItem('uf-userId')).toBeNull()
  })
  it('never throws when cookies are refused', () => {
    vi.stubGlobal('document', {
      get cookie(): string {
        throw new DOMException('sandboxed', 'SecurityError')
      },
      set cookie(_: string) {
        throw new DOMException('sandboxed', 'SecurityError')
      },
    })
    const storage = wrap()
    storage._set('uf-userId', 'u')
    expect(storage._get('uf-userId')).toBe('u')
    storage._remove('uf-userId')
    expect(storage._get('uf-userId')).toBeNull()
  })
})
