/**
 * CORS: browsers on any origin may send profiles and read every answer of POST /profile, errors
 * included. GET /profile/{userId} (the Read + Write key) and the /__test/ routes (the test token) are
 * for servers only: no other origin may call them or read what they answer.
 */
import { describe, expect, it } from 'vitest'
import { READ_WRITE_KEY, useApi } from './helpers.js'

const api = useApi()

const ORIGIN = 'https://shop.example'

const preflight = (path, origin = ORIGIN, method = 'POST') =>
  fetch(api.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  })

/** Every CORS header of an answer. */
const corsHeaders = (response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))

describe('preflight', () => {
  it('OPTIONS /profile → 204 with the CORS headers', async () => {
    const response = await preflight('/profile')
    expect(response.status).toBe(204)
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-methods': 'POST, OPTIONS',
      // Listed one by one: the * wildcard never covers Authorization.
      'access-control-allow-headers': 'Authorization, Content-Type',
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

  it.each([
    ['/profile/some-user', 'GET'],
    ['/__test/faults', 'POST'],
    ['/__test/requests', 'GET'],
  ])('OPTIONS %s (%s) is granted nothing: no CORS header, so the browser never sends the request', async (path, method) => {
    const response = await preflight(path, ORIGIN, method)
    expect(response.status).toBe(403)
    expect(corsHeaders(response)).toEqual([])
    expect(await response.json()).toMatchObject({ error: 'cross_origin_refused' })
  })

  it('preflights to the profile routes are counted', async () => {
    await api.reset()
    await fetch(`${api.url}/profile`, { method: 'OPTIONS', headers: { origin: ORIGIN } })
    await fetch(`${api.url}/profile/x`, { method: 'OPTIONS', headers: { origin: ORIGIN } })
    expect((await api.requests()).preflights).toBe(2)
  })
})

describe('GET /profile/{userId} is never served to another origin', () => {
  it.each([ORIGIN, 'null', 'http://127.0.0.1:8080', 'http://localhost:5173'])('with Origin %s, even with the Read + Write key: 403, no CORS header, nothing read', async (origin) => {
    await api.post({ userId: 'private', properties: { email: 'a@b.example' } })
    const before = (await api.requests()).gets
    const response = await api.get('private', { key: READ_WRITE_KEY, headers: { origin } })
    expect(response.status).toBe(403)
    expect(corsHeaders(response)).toEqual([])
    const text = await response.text()
    expect(JSON.parse(text)).toMatchObject({ error: 'cross_origin_refused' })
    expect(text).not.toContain('a@b.example')
    expect((await api.requests()).gets).toBe(before + 1)
  })

  it('without Origin (a server, curl) it answers, still without CORS headers', async () => {
    await api.post({ userId: 'server-side' })
    const response = await api.get('server-side')
    expect(response.status).toBe(200)
    expect(corsHeaders(response)).toEqual([])
  })

  it('the /__test/ routes refuse another origin (403, no CORS headers), even with the token; the API\'s own origins pass', async () => {
    for (const origin of [ORIGIN, 'null', `http://evil.example:${api.port}`, 'http://127.0.0.1:8080']) {
      const response = await fetch(`${api.url}/__test/requests`, { headers: { origin, 'x-uf-test-token': api.testToken } })
      expect(response.status, origin).toBe(403)
      expect(corsHeaders(response)).toEqual([])
      expect(await response.json()).toMatchObject({ error: 'cross_origin_refused' })
    }
    await api.faults([{ status: 500 }])
    const refused = await fetch(`${api.url}/__test/reset`, { method: 'POST', headers: { origin: ORIGIN, 'x-uf-test-token': api.testToken, 'content-type': 'application/json' }, body: '{}' })
    expect(refused.status).toBe(403)
    expect((await api.post({ anonymousId: 'still-faulted' })).status).toBe(500) // the reset was not done
    for (const name of ['localhost', '127.0.0.1']) {
      const response = await fetch(`${api.url}/__test/requests`, { headers: { origin: `http://${name}:${api.port}`, 'x-uf-test-token': api.testToken } })
      expect(response.status).toBe(200)
    }
  })
})

describe('answers of POST /profile carry Access-Control-Allow-Origin', () => {
  const cases = [
    ['204', () => api.post({ anonymousId: 'a' }, { headers: { origin: ORIGIN } }), 204],
    ['400', () => api.post({}, { headers: { origin: ORIGIN } }), 400],
    ['401', () => api.post({ anonymousId: 'a' }, { key: null, headers: { origin: ORIGIN } }), 401],
    ['403', () => api.post({ anonymousId: 'a' }, { key: 'x', headers: { origin: ORIGIN } }), 403],
    ['415', () => api.post({ anonymousId: 'a' }, { headers: { origin: ORIGIN, 'content-type': 'text/plain' } }), 415],
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
