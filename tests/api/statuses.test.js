/**
 * Every status of the Integration API contract, table-driven: authentication, body checks and routing.
 */
import { request } from 'node:http'
import { beforeAll, describe, expect, it } from 'vitest'
import { READ_WRITE_KEY, startApi, WRITE_KEY, useApi } from './helpers.js'

const api = useApi()

const valid = { anonymousId: 'anon-1', properties: { theme: 'dark' } }

describe('POST /profile', () => {
  const cases = [
    // [name, request options, expected status, expected error code]
    ['the Write Only key', { body: valid }, 204],
    ['the Read + Write key (may write too)', { body: valid, key: READ_WRITE_KEY }, 204],
    ['no Authorization header', { body: valid, key: null }, 401, 'unauthorized'],
    ['a malformed Authorization header', { body: valid, key: null, headers: { authorization: 'Basic abc' } }, 401, 'unauthorized'],
    ['"Bearer" without a key', { body: valid, key: null, headers: { authorization: 'Bearer ' } }, 401, 'unauthorized'],
    ['an unknown key', { body: valid, key: 'nope' }, 403, 'forbidden'],
    ['locationEnrichment=true', { body: valid, query: '?locationEnrichment=true' }, 204],
    ['locationEnrichment=false', { body: valid, query: '?locationEnrichment=false' }, 204],
    ['locationEnrichment=yes', { body: valid, query: '?locationEnrichment=yes' }, 400, 'bad_request'],
    ['locationEnrichment given twice', { body: valid, query: '?locationEnrichment=true&locationEnrichment=false' }, 400, 'bad_request'],
    ['a text/plain body', { body: valid, headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['application/json with a charset', { body: valid, headers: { 'content-type': 'application/json; charset=utf-8' } }, 204],
    ['invalid JSON', { body: '{"anonymousId":' }, 400, 'invalid_json'],
    ['an empty body', { body: '' }, 400, 'invalid_json'],
    ['a JSON array', { body: [valid] }, 400, 'bad_request'],
    ['a JSON string', { body: '"hello"' }, 400, 'bad_request'],
    ['null', { body: 'null' }, 400, 'bad_request'],
    ['neither userId nor anonymousId', { body: { properties: { a: 1 } } }, 400, 'bad_request'],
    ['an empty userId', { body: { userId: '', anonymousId: 'a' } }, 400, 'bad_request'],
    ['a numeric userId', { body: { userId: 42 } }, 400, 'bad_request'],
    ['a null anonymousId', { body: { anonymousId: null, userId: 'u' } }, 400, 'bad_request'],
    ['a null userId with an anonymousId (absent, as UserFlux\'s SDK sends it)', { body: { userId: null, anonymousId: 'a' } }, 204],
    ['a null userId alone', { body: { userId: null } }, 400, 'bad_request'],
    ['deviceData of scalars', { body: { anonymousId: 'a', deviceData: { browser: 'Chrome', screenWidth: 1280, touch: false, gpu: null } } }, 204],
    ['deviceData null (absent)', { body: { anonymousId: 'a', deviceData: null } }, 204],
    ['deviceData as an array', { body: { anonymousId: 'a', deviceData: ['Chrome'] } }, 400, 'bad_request'],
    ['deviceData as a string', { body: { anonymousId: 'a', deviceData: 'Chrome' } }, 400, 'bad_request'],
    ['deviceData with a nested object', { body: { anonymousId: 'a', deviceData: { screen: { w: 1 } } } }, 400, 'bad_request'],
    ['externalId as a string', { body: { anonymousId: 'a', externalId: 'ext-1' } }, 204],
    ['externalId null (absent)', { body: { anonymousId: 'a', externalId: null } }, 204],
    ['externalId as a number', { body: { anonymousId: 'a', externalId: 42 } }, 400, 'bad_request'],
    ['locationEnrichment=TRUE (any case)', { body: valid, query: '?locationEnrichment=TRUE' }, 204],
    ['properties as an array', { body: { anonymousId: 'a', properties: [1] } }, 400, 'bad_request'],
    ['properties as a string', { body: { anonymousId: 'a', properties: 'x' } }, 400, 'bad_request'],
    ['properties null', { body: { anonymousId: 'a', properties: null } }, 400, 'bad_request'],
    ['no properties', { body: { userId: 'u-no-props' } }, 204],
    ['unknown extra fields (ignored)', { body: { anonymousId: 'a', extra: true } }, 204],
  ]
  it.each(cases)('%s → %i', async (_name, { body, ...options }, status, error) => {
    const response = await api.post(body, options)
    expect(response.status).toBe(status)
    if (status == 204) return expect(await response.text()).toBe('')
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    const json = await response.json()
    expect(json).toEqual({ error, message: expect.any(String) })
    expect(json.message.length).toBeGreaterThan(5)
  })

  it('401 carries a Bearer challenge', async () => {
    const response = await api.post(valid, { key: null })
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/)
  })

  it('a rejected request changes nothing', async () => {
    await api.post({ userId: 'careful', properties: { kept: 1 } })
    await api.post({ userId: 'careful', properties: 'bad' })
    await api.post({ userId: 'careful', properties: { kept: 2 } }, { key: 'wrong' })
    await api.post('{"userId":"careful","properties":{"kept":3}', {})
    expect((await api.profile('careful')).properties).toEqual({ kept: 1 })
  })

  it('413 for a body over 1 MiB with a Content-Length, as JSON', async () => {
    const big = JSON.stringify({ anonymousId: 'a', properties: { blob: 'x'.repeat(1024 * 1024) } })
    const response = await api.post(big)
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' })
  })

  it('413 for a chunked body that grows past 1 MiB, and it stops reading', async () => {
    const { status, body } = await new Promise((resolve, reject) => {
      const req = request(`${api.url}/profile`, { method: 'POST', headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' } }, (res) => {
        let text = ''
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode, body: text }))
      })
      req.on('error', reject)
      req.write('{"anonymousId":"a","properties":{"blob":"')
      // 1.5 MiB in 64 KiB chunks, never ending: only the server's limit can end this exchange.
      for (let i = 0; i < 24; i++) req.write('x'.repeat(64 * 1024))
    })
    expect(status).toBe(413)
    expect(JSON.parse(body)).toMatchObject({ error: 'payload_too_large' })
  })

  it('a body of just under 1 MiB is accepted', async () => {
    const body = JSON.stringify({ anonymousId: 'big', properties: { blob: 'x'.repeat(1024 * 1024 - 100) } })
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024 * 1024)
    expect((await api.post(body)).status).toBe(204)
  })
})

describe('GET /profile/{userId}', () => {
  beforeAll(async () => {
    await api.post({ userId: 'reader', properties: { a: 1 } })
  })
  const cases = [
    ['the Read + Write key', 'reader', { key: READ_WRITE_KEY }, 200],
    ['the Write Only key', 'reader', { key: WRITE_KEY }, 403, 'forbidden'],
    ['no key', 'reader', { key: null }, 401, 'unauthorized'],
    ['an unknown key', 'reader', { key: 'nope' }, 403, 'forbidden'],
    ['an unknown user', 'nobody', { key: READ_WRITE_KEY }, 404, 'not_found'],
    ['an unknown user with the Write Only key (403 first: no probing)', 'nobody', { key: WRITE_KEY }, 403, 'forbidden'],
  ]
  it.each(cases)('%s → %i', async (_name, userId, options, status, error) => {
    const response = await api.get(userId, options)
    expect(response.status).toBe(status)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    if (error) expect(await response.json()).toEqual({ error, message: expect.any(String) })
  })

  it('decodes the path: ids with slashes, spaces and unicode', async () => {
    for (const userId of ['a/b', 'with space', 'ünïcødé ✓', '__proto__', '%41']) {
      expect((await api.post({ userId, properties: { userId } })).status).toBe(204)
      expect((await api.profile(userId)).properties).toEqual({ userId })
    }
  })

  it('bad percent-encoding → 400', async () => {
    const response = await fetch(`${api.url}/profile/%E0%A4%A`, { headers: { authorization: `Bearer ${READ_WRITE_KEY}` } })
    expect(response.status).toBe(400)
  })
})

describe('routing', () => {
  const cases = [
    ['GET', '/profile', 405, 'POST, OPTIONS'],
    ['PUT', '/profile', 405, 'POST, OPTIONS'],
    ['DELETE', '/profile/x', 405, 'GET, OPTIONS'],
    ['POST', '/profile/x', 405, 'GET, OPTIONS'],
    ['GET', '/', 404],
    ['GET', '/profiles', 404],
    ['GET', '/profile/', 404],
  ]
  it.each(cases)('%s %s → %i', async (method, path, status, allow) => {
    const response = await fetch(api.url + path, { method, headers: { authorization: `Bearer ${READ_WRITE_KEY}` } })
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({ error: status == 404 ? 'not_found' : 'method_not_allowed', message: expect.any(String) })
    if (allow) expect(response.headers.get('allow')).toBe(allow)
  })

  it('a path like //host/profile stays a path', async () => {
    const status = await new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port: api.port, path: '//evil.example/profile', method: 'GET' }, (res) => {
        res.resume()
        resolve(res.statusCode)
      })
        .on('error', reject)
        .end()
    })
    expect(status).toBe(404)
  })

  it('the /__test/ routes are absent without control', async () => {
    const plain = await startApi({ control: false })
    try {
      expect((await fetch(`${plain.url}/__test/requests`)).status).toBe(404)
      expect((await fetch(`${plain.url}/__test/reset`, { method: 'POST' })).status).toBe(404)
    } finally {
      await plain.close()
    }
  })
})
