/**
 * The visitor's address for locationEnrichment: the local API locates the first X-Forwarded-For
 * entry of the request it gets (demo/api/location.js), else the connection's address, which behind
 * a proxy is the site's server. The proxy passes the visitor's on, and only that.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createProxy } from '../../src/server/index.js'
import { profileRequest, useApi, WRITE_KEY } from './helpers.js'

const api = useApi()
beforeEach(() => api.reset())

const enriched = 'http://site.test/uf/profile?locationEnrichment=true'
async function locationOf(userId: string, headers: Record<string, string>, options: Parameters<typeof createProxy>[0] = {}) {
  const proxy = createProxy({ endpoint: api.url, writeKey: WRITE_KEY, ...options })
  const response = await proxy(profileRequest({ userId, anonymousId: 'a-' + userId, properties: {} }, { url: enriched, headers }))
  expect(response.status).toBe(204)
  return (await api.profile(userId)).locationData
}

describe('X-Forwarded-For to the API', () => {
  it('the platform\'s X-Forwarded-For (Vercel, Netlify, next start): its first entry, as the only one', async () => {
    const location = await locationOf('u1', { 'x-forwarded-for': '203.0.113.7, 10.0.0.2' })
    expect(location).toMatchObject({ ip: '203.0.113.7', source: 'unresolved' })
    expect((await api.requests()).posts[0]!.headers['x-forwarded-for']).toBe('203.0.113.7')
  })

  it('X-Real-IP when there is no X-Forwarded-For', async () => {
    expect(await locationOf('u2', { 'x-real-ip': '2001:db8::1' })).toMatchObject({ ip: '2001:db8::1' })
  })

  it('a clientAddress option decides (here: the header a reverse proxy in front sets)', async () => {
    const location = await locationOf('u3', { 'x-forwarded-for': '198.51.100.1', 'x-real-ip': '203.0.113.9' }, { clientAddress: (request) => request.headers.get('x-real-ip') })
    expect(location.ip).toBe('203.0.113.9')
  })

  it('without an address, the API locates the connection: the site\'s server (loopback here)', async () => {
    expect(await locationOf('u4', {}, { clientAddress: () => null })).toMatchObject({ ip: '127.0.0.1', source: 'loopback' })
  })

  it('what is not an address is not passed on', async () => {
    const seen: (string | null)[] = []
    const proxy = createProxy({
      endpoint: api.url,
      writeKey: WRITE_KEY,
      clientAddress: (request) => request.headers.get('x-test-address'),
      fetch: (input, init) => (seen.push(new Headers(init?.headers).get('x-forwarded-for')), fetch(input, init)),
    })
    for (const address of ['unknown', '1.2.3.4; rm -rf', '<script>', '::ffff:192.0.2.5', '  192.0.2.6  ']) {
      await proxy(profileRequest({ anonymousId: 'a', properties: {} }, { url: enriched, headers: { 'x-test-address': address } }))
    }
    expect(seen).toEqual([null, null, null, '192.0.2.5', '192.0.2.6'])
  })

  it('the CDN\'s country and the visitor\'s languages reach locationData too', async () => {
    const location = await locationOf('u5', { 'x-forwarded-for': '203.0.113.7', 'x-vercel-ip-country': 'ch', 'x-vercel-ip-city': 'Z%C3%BCrich', 'accept-language': 'de-CH,en;q=0.5' })
    expect(location).toMatchObject({ country: 'CH', city: 'Zürich', languages: ['de-CH', 'en'], source: 'header:x-vercel-ip-country' })
  })
})
