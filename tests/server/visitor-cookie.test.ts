/**
 * The visitor-id cookie the proxy sets (SPEC §12): its attributes, refreshed at most daily, replaced
 * by another id, only for valid ids and accepted updates; and readAnonymousId for server rendering.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createProxy, readAnonymousId, type CookieOptions } from '../../src/server/index.js'
import { day, profileRequest, useApi, WRITE_KEY } from './helpers.js'

const api = useApi()
beforeEach(() => api.reset())
afterEach(() => vi.useRealTimers())

const proxy = (cookie?: CookieOptions | false) =>
  createProxy({ endpoint: api.url, writeKey: WRITE_KEY, ...(cookie === undefined ? {} : { cookie }) })
const send = async (handler: ReturnType<typeof createProxy>, anonymousId: unknown, options: { cookie?: string; url?: string; headers?: Record<string, string> } = {}) => {
  const headers = { ...options.headers, ...(options.cookie ? { cookie: options.cookie } : {}) }
  const response = await handler(profileRequest({ anonymousId, properties: { a: 1 } }, { headers, ...(options.url ? { url: options.url } : {}) }))
  return { status: response.status, cookies: response.headers.getSetCookie() }
}
/** Only Date is faked: the API and fetch keep their real timers. */
const at = (iso: string) => (vi.useFakeTimers({ toFake: ['Date'] }), vi.setSystemTime(new Date(iso)))

describe('Set-Cookie on the answers the proxy already gives', () => {
  it('uf-server-anonymousId=<id>.<day>: about 400 days, Path=/, SameSite=Lax, readable by script, not Secure on http', async () => {
    at('2026-12-02T18:00:00Z')
    const { status, cookies } = await send(proxy(), 'anon-1')
    expect(status).toBe(204)
    expect(cookies).toEqual([`uf-server-anonymousId=anon-1.${day(Date.now())}; Max-Age=34560000; Path=/; SameSite=Lax`])
    expect(cookies[0]).not.toMatch(/HttpOnly|Domain=/i)
  })

  it('Secure on https, by the URL or a TLS-terminating proxy\'s X-Forwarded-Proto', async () => {
    expect((await send(proxy(), 'anon-1', { url: 'https://site.test/uf/profile' })).cookies[0]).toMatch(/; Secure$/)
    expect((await send(proxy(), 'anon-1', { headers: { 'x-forwarded-proto': 'https' } })).cookies[0]).toMatch(/; Secure$/)
    expect((await send(proxy({ secure: true }), 'anon-1')).cookies[0]).toMatch(/; Secure$/)
    expect((await send(proxy({ secure: false }), 'anon-1', { url: 'https://site.test/uf/profile' })).cookies[0]).not.toMatch(/Secure/)
  })

  it('refreshed at most once a day: not again the same day, again the next', async () => {
    at('2026-12-02T00:00:01Z')
    const today = `uf-server-anonymousId=anon-1.${day(Date.now())}`
    expect((await send(proxy(), 'anon-1', { cookie: today })).cookies).toEqual([])
    vi.setSystemTime(new Date('2026-12-02T23:59:59Z'))
    expect((await send(proxy(), 'anon-1', { cookie: today })).cookies).toEqual([])
    vi.setSystemTime(new Date('2026-12-03T00:00:01Z'))
    const { cookies } = await send(proxy(), 'anon-1', { cookie: today })
    expect(cookies).toEqual([expect.stringMatching(new RegExp(`^uf-server-anonymousId=anon-1\\.${day(Date.now())}; Max-Age=34560000;`))])
  })

  it('a day in the future (tampered) is refreshed too', async () => {
    const future = `uf-server-anonymousId=anon-1.${day(Date.now()) + 300}`
    expect((await send(proxy(), 'anon-1', { cookie: future })).cookies).toHaveLength(1)
  })

  it('replaced as soon as a body carries another anonymousId (after reset())', async () => {
    const old = `uf-server-anonymousId=anon-old.${day(Date.now())}`
    expect((await send(proxy(), 'anon-new', { cookie: old })).cookies).toEqual([expect.stringMatching(/^uf-server-anonymousId=anon-new\.\d+;/)])
  })

  it('any id the API accepts, percent-encoded: it reads back as it was sent', async () => {
    for (const id of ['José García', 'a;b=c, "d"', 'dots.in.it.123', '雪', '\\ back']) {
      const [cookie] = (await send(proxy(), id)).cookies
      const pair = cookie!.split(';')[0]!
      expect(pair).toMatch(/^uf-server-anonymousId=[\x21-\x7e]+$/)
      expect(readAnonymousId(pair)).toBe(id)
    }
  })

  it.each([
    ['empty', ''],
    ['spaces only', '   '],
    ['longer than 256', 'x'.repeat(257)],
    ['a control character', 'a\u0000b'],
    ['a line break', 'a\r\nSet-Cookie: x=1'],
    ['a lone surrogate', 'a\ud800b'],
    ['not a string', 42],
    ['missing', undefined],
  ])('no cookie for an id that is %s (the update still goes to the API)', async (_, id) => {
    const { cookies } = await send(proxy(), id)
    expect(cookies).toEqual([])
    expect((await api.requests()).posts).toHaveLength(1)
  })

  it('no cookie when the API refused the update, nor for a body that is not JSON', async () => {
    await api.faults([{ status: 503 }, { status: 400 }])
    expect(await send(proxy(), 'anon-1')).toEqual({ status: 503, cookies: [] })
    expect(await send(proxy(), 'anon-1')).toEqual({ status: 400, cookies: [] })
    const response = await proxy()(profileRequest('not json'))
    expect(response.headers.getSetCookie()).toEqual([])
  })

  it('an anonymousId inherited from a polluted Object.prototype is not the body\'s', async () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.anonymousId = 'planted'
    try {
      const response = await proxy()(profileRequest({ userId: 'user-1', properties: {} }))
      expect(response.status).toBe(204)
      expect(response.headers.getSetCookie()).toEqual([])
    } finally {
      delete proto.anonymousId
    }
  })

  it('a storagePrefix names it; cookie: false sets none', async () => {
    expect((await send(proxy({ storagePrefix: 'shop' }), 'anon-1')).cookies[0]).toMatch(/^shop-server-anonymousId=anon-1\./)
    expect((await send(proxy(false), 'anon-1')).cookies).toEqual([])
  })

  it('maxAgeDays', async () => {
    expect((await send(proxy({ maxAgeDays: 30 }), 'anon-1')).cookies[0]).toContain('; Max-Age=2592000;')
  })

  it('never the cookieDomain mirror uf-anonymousId, which the client writes', async () => {
    const { cookies } = await send(proxy(), 'anon-1', { cookie: 'uf-anonymousId=anon-1' })
    expect(cookies.every((cookie) => cookie.startsWith('uf-server-anonymousId='))).toBe(true)
  })
})

describe('readAnonymousId: the id for server rendering (the client\'s anonymousId bootstrap)', () => {
  const cookie = `theme=dark; uf-server-anonymousId=Jos%C3%A9%20Garc%C3%ADa.20424; uf-anonymousId=other`
  it('from a Request, its Headers, or the Cookie header', () => {
    const request = new Request('http://site.test/', { headers: { cookie } })
    expect(readAnonymousId(request)).toBe('José García')
    expect(readAnonymousId(request.headers)).toBe('José García')
    expect(readAnonymousId(cookie)).toBe('José García')
  })
  it('with a storagePrefix', () => {
    expect(readAnonymousId('shop-server-anonymousId=s1.1', { storagePrefix: 'shop' })).toBe('s1')
    expect(readAnonymousId('uf-server-anonymousId=s1.1', { storagePrefix: 'shop' })).toBeNull()
  })
  it.each([
    ['no cookie', undefined],
    ['no such cookie', 'uf-anonymousId=a1'],
    ['two of them (a sibling subdomain set one)', 'uf-server-anonymousId=a.1; uf-server-anonymousId=b.1'],
    ['no day', 'uf-server-anonymousId=a1'],
    ['bad percent-encoding', 'uf-server-anonymousId=%E0%A4%A.1'],
    ['an empty id', 'uf-server-anonymousId=.1'],
    ['a control character', 'uf-server-anonymousId=a%00b.1'],
    ['an id over 256 characters', `uf-server-anonymousId=${'x'.repeat(257)}.1`],
  ])('null for %s', (_, header) => {
    expect(readAnonymousId(header)).toBeNull()
  })
})
