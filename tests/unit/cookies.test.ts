import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import type { UserFluxError } from '../../src/core/errors.js'
import { findCookieDomain, withCookies } from '../../src/browser/cookies.js'
import { createStorage } from '../../src/browser/storage.js'
import { createConsent } from '../../src/core/consent.js'
import { createIdentity } from '../../src/core/identity.js'
import { isValidId } from '../../src/core/validate.js'
import fc from '../support/property.js'
import { HOSTILE_NAMES } from '../support/prototypes.js'
import { FakeCookies } from '../support/fake-cookies.js'
import { MemoryStorage } from '../support/memory-storage.js'

let cookies: FakeCookies
let backing: MemoryStorage

const page = (host: string, protocol = 'https:') => {
  cookies = new FakeCookies(host)
  vi.stubGlobal('document', cookies)
  vi.stubGlobal('location', { hostname: host, protocol })
}
let report: Mock<(error: UserFluxError) => void>
const wrap = (domain: string | true = true, days = 365) =>
  withCookies(createStorage(backing, () => {}), ['uf-anonymousId', 'uf-userId', 'uf-optOut'], 'uf-optOut', domain, days, report)

/** A cookie a sibling subdomain (or another path) set: host-only '' or on `domain`. */
const plant = (name: string, value: string, domain = '') => {
  cookies.cookie = `${name}=${value}` + (domain ? ';domain=' + domain : '')
}

beforeEach(() => {
  backing = new MemoryStorage()
  report = vi.fn<(error: UserFluxError) => void>()
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

describe('withCookies passes every argument on', () => {
  it('a write that hits the quota with keepOnFailure leaves the stored value (the record of what was delivered, issue 25 case 10)', () => {
    const storage = wrap()
    backing.data.set('uf-delivered-v1|k', 'record')
    backing.failWrites = true
    expect(storage._set('uf-delivered-v1|k', 'newer', false, true)).toBe(false)
    expect(backing.data.get('uf-delivered-v1|k')).toBe('record')
    // Without it, the stale value goes (a queue snapshot must not outlive its newer state).
    storage._set('uf-delivered-v1|k', 'newer')
    expect(backing.data.has('uf-delivered-v1|k')).toBe(false)
  })
})

describe('withCookies: every subdomain can write them (SPEC §14)', () => {
  it('two copies of one name are tampering: the cookie is ignored, storage used, reported once', () => {
    backing.setItem('uf-anonymousId', 'mine')
    plant('uf-anonymousId', 'planted-1', 'example.co.uk')
    plant('uf-anonymousId', 'planted-2')
    const storage = wrap()
    for (let i = 0; i < 3; i++) expect(storage._get('uf-anonymousId')).toBe('mine')
    expect(backing.getItem('uf-anonymousId')).toBe('mine')
    expect(report).toHaveBeenCalledOnce()
    expect(report.mock.calls[0][0]).toMatchObject({ code: 'storage', message: expect.stringContaining('2 cookies named uf-anonymousId') })
    // Another name tampered with is its own report.
    plant('uf-userId', 'eve', 'example.co.uk')
    plant('uf-userId', 'mallory')
    expect(storage._get('uf-userId')).toBeNull()
    expect(report).toHaveBeenCalledTimes(2)
  })

  it('with nothing in storage, a tampered name reads as absent', () => {
    plant('uf-userId', 'eve', 'example.co.uk')
    plant('uf-userId', 'eve')
    expect(wrap()._get('uf-userId')).toBeNull()
    expect(backing.getItem('uf-userId')).toBeNull()
  })

  it('a single copy still wins (the ordinary sharing between subdomains), and nothing is reported', () => {
    backing.setItem('uf-userId', 'old')
    plant('uf-userId', 'alice', 'example.co.uk')
    expect(wrap()._get('uf-userId')).toBe('alice')
    expect(report).not.toHaveBeenCalled()
  })

  describe('opting out is the most restrictive reading', () => {
    const consent = (startOptedOut = false, gpc = false) => {
      vi.stubGlobal('navigator', { globalPrivacyControl: gpc })
      return createConsent(wrap(), 'uf', { optedOut: startOptedOut, respectGlobalPrivacyControl: gpc })
    }

    it("a cookie '0' never lifts storage's '1'", () => {
      backing.setItem('uf-optOut', '1')
      plant('uf-optOut', '0', 'example.co.uk')
      expect(consent()._state() == 'denied').toBe(true)
      expect(backing.getItem('uf-optOut')).toBe('1')
    })

    it("a cookie '0' never lifts optedOut: true, nor Global Privacy Control", () => {
      plant('uf-optOut', '0', 'example.co.uk')
      expect(consent(true)._state() == 'denied').toBe(true)
      expect(consent(false, true)._state() == 'denied').toBe(true)
      // Without either, the default (not opted out) holds; the cookie is not copied into storage.
      expect(consent()._state() == 'denied').toBe(false)
      expect(backing.getItem('uf-optOut')).toBeNull()
    })

    it("a cookie '1' opts out, and storage follows so the choice holds if the cookie goes", () => {
      backing.setItem('uf-optOut', '0')
      plant('uf-optOut', '1', 'example.co.uk')
      expect(consent()._state() == 'denied').toBe(true)
      expect(backing.getItem('uf-optOut')).toBe('1')
      cookies.jar.clear()
      expect(consent()._state() == 'denied').toBe(true)
    })

    it("among several copies, any '1' wins; that is no tampering to ignore", () => {
      plant('uf-optOut', '0', 'example.co.uk')
      plant('uf-optOut', '1')
      expect(consent()._state() == 'denied').toBe(true)
      expect(report).not.toHaveBeenCalled()
    })

    // Unit finding 4 (fixed in 624ae80).
    it('an opt-out found only in storage (cookieDomain just turned on) is copied into the cookie too', () => {
      // As every other shared key is (withCookies' doc): else the other subdomains go on tracking a visitor who opted out here.
      backing.setItem('uf-optOut', '1')
      expect(consent()._state() == 'denied').toBe(true)
      expect(cookies.value('uf-optOut', 'example.co.uk')).toBe('1')
    })
  })
})

describe('hostile cookies (property-based)', () => {
  it('any copies of the shared cookies: nothing thrown, ids valid, an opt-out never lifted, each name reported at most once', () => {
    // As written in the cookie header: encoded text of any kind, or a malformed escape as is.
    const text = fc.oneof(fc.string(), fc.constantFrom('0', '1', '', ' ', 'a\u0000b', ...HOSTILE_NAMES), fc.string({ minLength: 1025, maxLength: 1100 }))
    const value = fc.oneof(text.map(encodeURIComponent), fc.constantFrom('%', '%E0%A4%A', '%zz'))
    const copy = fc.tuple(fc.constantFrom('uf-anonymousId', 'uf-userId', 'uf-optOut'), value, fc.constantFrom('', 'example.co.uk'))
    fc.assert(
      fc.property(fc.array(copy, { maxLength: 6 }), fc.constantFrom(null, '0', '1'), fc.boolean(), (copies, storedOptOut, startOptedOut) => {
        backing = new MemoryStorage()
        report = vi.fn<(error: UserFluxError) => void>()
        page('www.example.co.uk')
        if (storedOptOut) backing.setItem('uf-optOut', storedOptOut)
        for (const [name, written, domain] of copies) plant(name, written, domain)
        const shared = wrap()
        const ids = createIdentity(shared, 'uf', () => true, report, () => {}, () => false, setTimeout)
        const consent = createConsent(shared, 'uf', { optedOut: startOptedOut })
        const optedOut = consent._state() == 'denied'
        const saysOut = storedOptOut == '1' || cookies.cookie.split('; ').includes('uf-optOut=1')
        if (saysOut || (startOptedOut && storedOptOut != '0')) expect(optedOut).toBe(true)
        expect(isValidId(ids._anonymousId())).toBe(true)
        const user = ids._userId()
        if (user !== null) expect(isValidId(user)).toBe(true)
        const messages = report.mock.calls.map(([error]) => error.message)
        expect(new Set(messages).size).toBe(messages.length)
      }),
      { numRuns: 100 },
    )
  })
})
