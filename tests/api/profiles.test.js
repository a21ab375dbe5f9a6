/**
 * Profile semantics: every schema field, shallow merge, anonymous → user linking, locationEnrichment
 * and deviceData.
 */
import { describe, expect, it } from 'vitest'
import { deviceDataFromUserAgent } from '../../demo/api/user-agent.js'
import { parseAcceptLanguage } from '../../demo/api/location.js'
import { PROFILE_FIELDS, useApi } from './helpers.js'

const api = useApi()

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

describe('the stored profile', () => {
  it('has every field of the schema, with the right types', async () => {
    const before = Date.now()
    await api.post({ userId: 'fields', properties: { plan: 'pro' } })
    const profile = await api.profile('fields')
    expect(Object.keys(profile).sort()).toEqual([...PROFILE_FIELDS].sort())
    expect(profile).toEqual({
      id: 'fields',
      anonymousIds: [],
      properties: { plan: 'pro' },
      computedProperties: { updateCount: 1 },
      segments: [],
      locationData: {},
      deviceData: expect.any(Object),
      externalId: null,
      lastUpdatedAt: expect.any(Number),
      createdAt: expect.any(Number),
    })
    expect(profile.createdAt).toBeGreaterThanOrEqual(before)
    expect(profile.lastUpdatedAt).toBeGreaterThanOrEqual(profile.createdAt)
    expect(profile.lastUpdatedAt).toBeLessThanOrEqual(Date.now())
  })

  it('merges properties shallowly, later values win; createdAt stays, lastUpdatedAt moves', async () => {
    await api.post({ userId: 'merge', properties: { a: 1, nested: { x: 1, y: 1 }, keep: true } })
    const first = await api.profile('merge')
    await new Promise((resolve) => setTimeout(resolve, 3))
    await api.post({ userId: 'merge', properties: { a: 2, nested: { x: 2 }, extra: null } })
    const second = await api.profile('merge')
    expect(second.properties).toEqual({ a: 2, nested: { x: 2 }, keep: true, extra: null })
    expect(second.createdAt).toBe(first.createdAt)
    expect(second.lastUpdatedAt).toBeGreaterThan(first.lastUpdatedAt)
    expect(second.computedProperties.updateCount).toBe(2)
  })

  it('keeps "__proto__" as an ordinary property name', async () => {
    await api.post(`{"userId":"proto","properties":{"__proto__":{"polluted":true},"ok":1}}`)
    const profile = await api.profile('proto')
    expect(Object.keys(profile.properties).sort()).toEqual(['__proto__', 'ok'])
    expect({}.polluted).toBeUndefined()
  })
})

describe('linking an anonymousId to a user', () => {
  it('anonymous profiles are stored but not readable by userId until linked', async () => {
    await api.post({ anonymousId: 'visitor-1', properties: { theme: 'dark' } })
    expect((await api.get('visitor-1')).status).toBe(404)
  })

  it('identify carries both ids: the anonymous properties move to the user, the id is listed once', async () => {
    await api.post({ anonymousId: 'visitor-2', properties: { theme: 'dark', landing: '/pricing' } })
    await api.post({ userId: 'ada', anonymousId: 'visitor-2', properties: { plan: 'pro' } })
    await api.post({ userId: 'ada', anonymousId: 'visitor-2' })
    const ada = await api.profile('ada')
    expect(ada.properties).toEqual({ theme: 'dark', landing: '/pricing', plan: 'pro' })
    expect(ada.anonymousIds).toEqual(['visitor-2'])
    expect(ada.computedProperties.updateCount).toBe(3)
  })

  it('merge order: the user\'s stored values, then the anonymous session\'s, then the request\'s', async () => {
    await api.post({ userId: 'bob', properties: { theme: 'light', plan: 'free', lang: 'en' } })
    await api.post({ anonymousId: 'visitor-3', properties: { theme: 'dark', plan: 'trial' } })
    await api.post({ userId: 'bob', anonymousId: 'visitor-3', properties: { plan: 'pro' } })
    const bob = await api.profile('bob')
    expect(bob.properties).toEqual({ theme: 'dark', plan: 'pro', lang: 'en' })
  })

  it('the linked profile dates from the anonymous one', async () => {
    await api.post({ anonymousId: 'visitor-4' })
    await new Promise((resolve) => setTimeout(resolve, 3))
    await api.post({ userId: 'cy', anonymousId: 'visitor-4' })
    const cy = await api.profile('cy')
    expect(cy.createdAt).toBeLessThan(cy.lastUpdatedAt)
  })

  it('later anonymous-only updates with a linked id land on the user', async () => {
    await api.post({ userId: 'dee', anonymousId: 'visitor-5', properties: { a: 1 } })
    await api.post({ anonymousId: 'visitor-5', properties: { b: 2 } })
    expect((await api.profile('dee')).properties).toEqual({ a: 1, b: 2 })
  })

  it('a user collects each of their anonymous ids once, in order', async () => {
    for (const anonymousId of ['d1', 'd2', 'd1', 'd3', 'd2']) await api.post({ userId: 'eve', anonymousId })
    expect((await api.profile('eve')).anonymousIds).toEqual(['d1', 'd2', 'd3'])
  })
})

describe('locationEnrichment', () => {
  const cases = [
    ['absent', '', {}, {}],
    ['false', '?locationEnrichment=false', {}, {}],
    ['true, loopback', '?locationEnrichment=true', {}, { ip: '127.0.0.1', country: null, source: 'loopback' }],
    ['true, behind a proxy', '?locationEnrichment=true', { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' }, { ip: '203.0.113.7', country: null, source: 'unresolved' }],
    ['true, private address', '?locationEnrichment=true', { 'x-forwarded-for': '192.168.1.20' }, { ip: '192.168.1.20', source: 'private' }],
    ['true, Cloudflare country', '?locationEnrichment=true', { 'x-forwarded-for': '198.51.100.1', 'cf-ipcountry': 'nz' }, { country: 'NZ', source: 'header:cf-ipcountry' }],
    [
      'true, Vercel headers',
      '?locationEnrichment=true',
      { 'x-vercel-ip-country': 'FR', 'x-vercel-ip-country-region': 'IDF', 'x-vercel-ip-city': 'Saint-Denis%20Ville' },
      { country: 'FR', region: 'IDF', city: 'Saint-Denis Ville', source: 'header:x-vercel-ip-country' },
    ],
    ['true, languages by preference', '?locationEnrichment=true', { 'accept-language': 'fr;q=0.5, en-GB, en;q=0.8' }, { languages: ['en-GB', 'en', 'fr'] }],
  ]
  it.each(cases)('%s', async (name, query, headers, expected) => {
    const userId = `loc-${name}`
    await api.post({ userId }, { query, headers })
    const { locationData } = await api.profile(userId)
    if (Object.keys(expected).length == 0) expect(locationData).toEqual({})
    else expect(locationData).toMatchObject(expected)
  })

  it('an update without enrichment keeps the location learnt before', async () => {
    await api.post({ userId: 'loc-keep' }, { query: '?locationEnrichment=true', headers: { 'cf-ipcountry': 'DE' } })
    await api.post({ userId: 'loc-keep', properties: { a: 1 } }, { query: '?locationEnrichment=false' })
    expect((await api.profile('loc-keep')).locationData).toMatchObject({ country: 'DE' })
  })

  it('parses Accept-Language by q, dropping * and q=0', () => {
    expect(parseAcceptLanguage('da, en-GB;q=0.8, en;q=0.7, *;q=0.1, fr;q=0')).toEqual(['da', 'en-GB', 'en'])
    expect(parseAcceptLanguage(undefined)).toEqual([])
  })
})

describe('deviceData', () => {
  it('comes from the User-Agent of the latest update', async () => {
    await api.post({ userId: 'device' }, { headers: { 'user-agent': CHROME_MAC } })
    expect((await api.profile('device')).deviceData).toEqual({
      browser: 'Chrome',
      browserVersion: '126.0.0.0',
      os: 'macOS',
      osVersion: '10.15.7',
      deviceType: 'desktop',
      userAgent: CHROME_MAC,
    })
  })

  const cases = [
    [CHROME_MAC, 'Chrome', '126.0.0.0', 'macOS', 'desktop'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51', 'Edge', '124.0.2478.51', 'Windows', 'desktop'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox', '125.0', 'Windows', 'desktop'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'Safari', '17.4', 'iOS', 'mobile'],
    ['Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1', 'Chrome', '120.0.6099.119', 'iOS', 'tablet'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36', 'Chrome', '124.0.6367.82', 'Android', 'mobile'],
    ['Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Safari/537.36', 'Samsung Internet', '24.0', 'Android', 'tablet'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0', 'Opera', '110.0.0.0', 'Linux', 'desktop'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', 'Chrome', '124.0.0.0', 'ChromeOS', 'desktop'],
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/140.0.0.0 Safari/537.36', 'Chrome Headless', '140.0.0.0', 'Linux', 'desktop'],
    ['curl/8.5.0', null, null, null, null],
  ]
  it.each(cases)('%s', (ua, browser, browserVersion, os, deviceType) => {
    expect(deviceDataFromUserAgent(ua)).toMatchObject({ browser, browserVersion, os, deviceType, userAgent: ua })
  })

  it('without a User-Agent, what was known is kept', async () => {
    await api.post({ userId: 'device-keep' }, { headers: { 'user-agent': CHROME_MAC } })
    await api.post({ userId: 'device-keep', properties: { a: 1 } }, { headers: { 'user-agent': '' } })
    expect((await api.profile('device-keep')).deviceData.browser).toBe('Chrome')
    expect(deviceDataFromUserAgent(undefined)).toBeUndefined()
  })
})

describe('what UserFlux\'s SDK sends (SPEC §8)', () => {
  const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0'

  it('a client\'s deviceData is stored, merged shallowly, and from then on the User-Agent is not used', async () => {
    await api.post({ userId: 'dev8' }, { headers: { 'user-agent': CHROME_MAC } })
    expect((await api.profile('dev8')).deviceData.browser).toBe('Chrome')
    await api.post({ userId: 'dev8', deviceData: { browser: 'Chrome', screenWidth: 1280, deviceType: 'Desktop' } }, { headers: { 'user-agent': CHROME_MAC } })
    await api.post({ userId: 'dev8', deviceData: { screenWidth: 1440, browserLanguage: 'en-GB' } }, { headers: { 'user-agent': FIREFOX } })
    await api.post({ userId: 'dev8', properties: { later: 1 } }, { headers: { 'user-agent': FIREFOX } })
    expect((await api.profile('dev8')).deviceData).toMatchObject({ browser: 'Chrome', screenWidth: 1440, deviceType: 'Desktop', browserLanguage: 'en-GB' })
  })

  it('a profile that never received deviceData follows the latest User-Agent', async () => {
    await api.post({ userId: 'dev-ua' }, { headers: { 'user-agent': CHROME_MAC } })
    await api.post({ userId: 'dev-ua' }, { headers: { 'user-agent': FIREFOX } })
    expect((await api.profile('dev-ua')).deviceData.browser).toBe('Firefox')
  })

  it('deviceData sent while anonymous beats the user\'s User-Agent guess when linked', async () => {
    await api.post({ userId: 'dev-link' }, { headers: { 'user-agent': FIREFOX } })
    await api.post({ anonymousId: 'dev-anon', deviceData: { browser: 'Safari', screenWidth: 390 } })
    await api.post({ userId: 'dev-link', anonymousId: 'dev-anon' }, { headers: { 'user-agent': FIREFOX } })
    expect((await api.profile('dev-link')).deviceData).toMatchObject({ browser: 'Safari', screenWidth: 390 })
  })

  it('externalId is stored and returned; null or absent keeps it; a new one replaces it', async () => {
    expect((await api.profile((await api.post({ userId: 'ext0' }), 'ext0'))).externalId).toBeNull()
    await api.post({ userId: 'ext', externalId: 'uf-123' })
    expect((await api.profile('ext')).externalId).toBe('uf-123')
    await api.post({ userId: 'ext', externalId: null, properties: { a: 1 } })
    await api.post({ userId: 'ext', properties: { b: 1 } })
    expect((await api.profile('ext')).externalId).toBe('uf-123')
    await api.post({ userId: 'ext', externalId: 'uf-456' })
    expect((await api.profile('ext')).externalId).toBe('uf-456')
  })

  it('an externalId learnt while anonymous follows the visitor to the user', async () => {
    await api.post({ anonymousId: 'ext-anon', externalId: 'uf-anon' })
    await api.post({ userId: 'ext-user', anonymousId: 'ext-anon' })
    expect((await api.profile('ext-user')).externalId).toBe('uf-anon')
  })

  it('userId null is an anonymous update, as UserFlux\'s SDK sends it', async () => {
    await api.post({ userId: null, anonymousId: 'sdk-anon', properties: { theme: 'dark' }, externalId: null, deviceData: null })
    await api.post({ userId: 'sdk-user', anonymousId: 'sdk-anon' })
    expect((await api.profile('sdk-user')).properties).toEqual({ theme: 'dark' })
    expect((await api.get('null')).status).toBe(404)
  })
})
