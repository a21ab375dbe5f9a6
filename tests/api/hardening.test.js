/**
 * Hostile or odd input: absurd nesting, size caps, slow clients, charsets, the enrichment flag's case,
 * enrichment without CDN headers, and the ids "." and "..".
 */
import { connect } from 'node:net'
import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { READ_WRITE_KEY, startApi, useApi, WRITE_KEY } from './helpers.js'
import { nestsDeeperThan } from '../../demo/api/validate.js'

const api = useApi()

const nested = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

describe('nesting', () => {
  it('a 12 KB body nested 6,000 levels deep is refused with 400, and the API keeps working', async () => {
    const body = `{"userId":"deep","properties":{"x":${'['.repeat(6000)}${']'.repeat(6000)}}}`
    expect(body.length).toBeGreaterThan(12_000)
    const response = await api.post(body)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'too_deep' })
    expect((await api.get('deep')).status).toBe(404)
    expect((await api.post({ userId: 'after-deep' })).status).toBe(204)
    expect((await api.get('after-deep')).status).toBe(200)
    // The request log (sent as JSON) still works with the deep body in it.
    expect((await api.requests()).posts.some((post) => typeof post.body == 'string' && post.body.startsWith('{"userId":"deep"'))).toBe(true)
  })

  it('the snippet\'s own limit (100 levels in properties) is accepted and readable', async () => {
    const body = `{"userId":"deep-ok","properties":${nested(100)}}`
    expect((await api.post(body)).status).toBe(204)
    expect((await api.profile('deep-ok')).properties.a.a.a).toBeDefined()
  })

  it('counts brackets outside strings only, without recursion', () => {
    expect(nestsDeeperThan(`{"s":"${'['.repeat(500)}"}`, 2)).toBe(false)
    expect(nestsDeeperThan(`{"s":"\\"${'{'.repeat(5)}"}`, 2)).toBe(false)
    expect(nestsDeeperThan(nested(3), 3)).toBe(false)
    expect(nestsDeeperThan(nested(4), 3)).toBe(true)
    expect(nestsDeeperThan('['.repeat(1_000_000), 128)).toBe(true)
  })
})

describe('size caps', () => {
  it('a profile past maxProfileBytes: 413 profile_too_large, nothing changed', async () => {
    const own = await startApi({ limits: { maxProfileBytes: 2000 } })
    try {
      expect((await own.post({ userId: 'capped', properties: { a: 'x'.repeat(500) } })).status).toBe(204)
      const response = await own.post({ userId: 'capped', properties: { b: 'x'.repeat(2000) } })
      expect(response.status).toBe(413)
      expect(await response.json()).toMatchObject({ error: 'profile_too_large' })
      expect(Object.keys((await own.profile('capped')).properties)).toEqual(['a'])
    } finally {
      await own.close()
    }
  })

  it('the store past maxStoreBytes: 507 store_full; updates that do not grow it still pass', async () => {
    const own = await startApi({ limits: { maxStoreBytes: 5000 } })
    try {
      let status = 204
      let i = 0
      while (status == 204 && i < 100) status = (await own.post({ userId: `fill-${i++}`, properties: { pad: 'x'.repeat(300) } })).status
      expect(status).toBe(507)
      expect(i).toBeGreaterThan(3)
      expect((await own.get(`fill-${i - 1}`)).status).toBe(404)
      // Replacing a value by a shorter one shrinks the profile: allowed.
      expect((await own.post({ userId: 'fill-0', properties: { pad: 'y' } })).status).toBe(204)
    } finally {
      await own.close()
    }
  })
})

describe('slow clients', () => {
  /** Opens a raw connection that sends `head` and then nothing; resolves with what the server said and when it closed. */
  const stall = (port, head) =>
    new Promise((resolve) => {
      const started = Date.now()
      const socket = connect(port, '127.0.0.1', () => socket.write(head))
      let text = ''
      socket.on('data', (chunk) => (text += chunk))
      socket.on('error', () => {})
      socket.on('close', () => resolve({ text, ms: Date.now() - started }))
    })

  it('a body trickling in is cut off with 408 after the request timeout', { timeout: 20_000 }, async () => {
    const own = await startApi({ network: { headersMs: 1000, requestMs: 1500 } })
    try {
      // Its own Host: any other is answered 421 at once (DNS rebinding, tests/api/hosts.test.js).
      const host = `127.0.0.1:${own.port}`
      const head = `POST /profile HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${WRITE_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user`
      const headers = `GET /profile/x HTTP/1.1\r\nHost: ${host}\r\n`
      const [body, slowHeaders] = await Promise.all([stall(own.port, head), stall(own.port, headers)])
      for (const result of [body, slowHeaders]) {
        expect(result.text).toMatch(/^HTTP\/1\.1 408/)
        expect(result.ms).toBeLessThan(10_000)
      }
    } finally {
      await own.close()
    }
  })

  it('past maxConnections new connections are closed at once; once the stalled ones time out, others get in', { timeout: 20_000 }, async () => {
    const own = await startApi({ network: { headersMs: 1000, requestMs: 1500, maxConnections: 3 } })
    try {
      const stalled = Array.from({ length: 3 }, () => stall(own.port, 'GET /profile/x HTTP/1.1\r\n'))
      await new Promise((resolve) => setTimeout(resolve, 200))
      const refused = await stall(own.port, '')
      expect(refused.text).toBe('')
      expect(refused.ms).toBeLessThan(1000)
      await Promise.all(stalled)
      expect((await own.post({ userId: 'got-in' })).status).toBe(204)
    } finally {
      await own.close()
    }
  })

  it('the defaults are set: headers within 10 s, the request within 15 s, 512 connections', () => {
    expect(api.api.server.headersTimeout).toBe(10_000)
    expect(api.api.server.requestTimeout).toBe(15_000)
    expect(api.api.server.maxConnections).toBe(512)
  })
})

describe('charsets', () => {
  it('an iso-8859-1 body is decoded as Latin-1', async () => {
    const body = Buffer.from('{"userId":"latin","properties":{"city":"Zürich"}}', 'latin1')
    const response = await api.post(body, { headers: { 'content-type': 'application/json; charset=iso-8859-1' } })
    expect(response.status).toBe(204)
    expect((await api.profile('latin')).properties.city).toBe('Zürich')
  })

  it('UTF-8 (declared or not) is UTF-8', async () => {
    for (const type of ['application/json', 'application/json; charset=UTF-8', 'application/json;charset="utf-8"']) {
      expect((await api.post({ userId: 'utf8', properties: { city: 'Zürich ✓' } }, { headers: { 'content-type': type } })).status).toBe(204)
      expect((await api.profile('utf8')).properties.city).toBe('Zürich ✓')
    }
  })

  it('an unknown charset is 415', async () => {
    const response = await api.post({ userId: 'klingon' }, { headers: { 'content-type': 'application/json; charset=x-klingon' } })
    expect(response.status).toBe(415)
    expect(await response.json()).toMatchObject({ error: 'unsupported_media_type' })
  })
})

describe('locationEnrichment', () => {
  it.each(['TRUE', 'True', 'FALSE'])('accepts %s', async (value) => {
    expect((await api.post({ userId: `case-${value}` }, { query: `?locationEnrichment=${value}` })).status).toBe(204)
    expect(Object.keys((await api.profile(`case-${value}`)).locationData).length > 0).toBe(value.toLowerCase() == 'true')
  })

  it('an enrichment without CDN headers keeps the stored country, region and city', async () => {
    const cdn = { 'cf-ipcountry': 'DE', 'x-vercel-ip-country-region': 'BE', 'x-vercel-ip-city': 'Berlin' }
    await api.post({ userId: 'loc-stays' }, { query: '?locationEnrichment=true', headers: cdn })
    await api.post({ userId: 'loc-stays', properties: { a: 1 } }, { query: '?locationEnrichment=true', headers: { 'accept-language': 'de' } })
    expect((await api.profile('loc-stays')).locationData).toMatchObject({ country: 'DE', region: 'BE', city: 'Berlin', source: 'header:cf-ipcountry', languages: ['de'] })
    // A new country replaces it.
    await api.post({ userId: 'loc-stays' }, { query: '?locationEnrichment=true', headers: { 'cf-ipcountry': 'FR' } })
    expect((await api.profile('loc-stays')).locationData).toMatchObject({ country: 'FR', source: 'header:cf-ipcountry' })
  })
})

describe('the ids "." and ".."', () => {
  /** GET with the path sent as is (fetch would resolve the dot segments away). */
  const rawGet = (path) =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port: api.port, path, headers: { authorization: `Bearer ${READ_WRITE_KEY}` } }, (res) => {
        let text = ''
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => resolve({ status: res.statusCode, body: text }))
      })
        .on('error', reject)
        .end()
    })

  it.each([['.', '%2E'], ['..', '%2E%2E'], ['..', '%2e%2e']])('%s written by POST is read by GET /profile/%s', async (userId, encoded) => {
    expect((await api.post({ userId, properties: { dots: userId } })).status).toBe(204)
    const { status, body } = await rawGet(`/profile/${encoded}`)
    expect(status).toBe(200)
    expect(JSON.parse(body)).toMatchObject({ id: userId, properties: { dots: userId } })
  })
})
