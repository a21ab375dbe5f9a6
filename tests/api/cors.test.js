/** CORS: browsers on any origin may send profiles and read every answer, errors included. */
import { describe, expect, it } from 'vitest'
import { READ_WRITE_KEY, useApi } from './helpers.js'

const api = useApi()

const ORIGIN = 'https://shop.example'

describe('preflight', () => {
  it.each([
    ['/profile', 'Authorization, Content-Type'],
    ['/profile/some-user', 'Authorization, Content-Type'],
    ['/__test/faults', 'Authorization, Content-Type, X-UF-Test-Token'],
  ])('OPTIONS %s → 204 with the CORS headers', async (path, allowHeaders) => {
    const response = await fetch(api.url + path, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    })
    expect(response.status).toBe(204)
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      // Listed one by one: the * wildcard never covers Authorization.
      'access-control-allow-headers': allowHeaders,
      'access-control-max-age': '600',
      vary: 'Origin',
    })
    expect(await response.text()).toBe('')
  })

  it('echoes each origin', async () => {
    for (const origin of ['http://127.0.0.1:8080', 'null', 'https://a.example']) {
      const response = await fetch(`${api.url}/profile`, { method: 'OPTIONS', headers: { origin } })
      expect(response.headers.get('access-control-allow-origin')).toBe(origin)
    }
  })

  it('preflights to the profile routes are counted', async () => {
    await api.reset()
    await fetch(`${api.url}/profile`, { method: 'OPTIONS', headers: { origin: ORIGIN } })
    await fetch(`${api.url}/profile/x`, { method: 'OPTIONS', headers: { origin: ORIGIN } })
    expect((await api.requests()).preflights).toBe(2)
  })
})

describe('actual responses carry Access-Control-Allow-Origin', () => {
  const cases = [
    ['204', () => api.post({ anonymousId: 'a' }, { headers: { origin: ORIGIN } }), 204],
    ['400', () => api.post({}, { headers: { origin: ORIGIN } }), 400],
    ['401', () => api.post({ anonymousId: 'a' }, { key: null, headers: { origin: ORIGIN } }), 401],
    ['403', () => api.post({ anonymousId: 'a' }, { key: 'x', headers: { origin: ORIGIN } }), 403],
    ['415', () => api.post({ anonymousId: 'a' }, { headers: { origin: ORIGIN, 'content-type': 'text/plain' } }), 415],
    ['200', async () => (await api.post({ userId: 'cors' }), api.get('cors', { key: READ_WRITE_KEY, headers: { origin: ORIGIN } })), 200],
    ['404', () => api.get('nobody', { headers: { origin: ORIGIN } }), 404],
    ['405', () => fetch(`${api.url}/profile`, { headers: { origin: ORIGIN } }), 405],
    ['injected 503', async () => (await api.faults([{ status: 503, retryAfter: '1' }]), api.post({ anonymousId: 'a' }, { headers: { origin: ORIGIN } })), 503],
  ]
  it.each(cases)('%s', async (_name, send, status) => {
    const response = await send()
    expect(response.status).toBe(status)
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(response.headers.get('vary')).toBe('Origin')
    // Retry-After must be exposed, or a cross-origin client could not honour it.
    expect(response.headers.get('access-control-expose-headers')).toBe('Retry-After')
  })

  it('no Origin, no Allow-Origin', async () => {
    const response = await api.post({ anonymousId: 'a' })
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})
