/**
 * createProxy against the local Integration API (demo/api), called as Next.js and edge runtimes call
 * it: with a Request. What it forwards, and every refusal (SPEC §12: no open proxy).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createProxy } from '../../src/server/index.js'
import { profileRequest, READ_WRITE_KEY, streamed, useApi, WRITE_KEY } from './helpers.js'

const api = useApi()
beforeEach(() => api.reset())

const anonymous = (id = 'anon-1', properties: object = { plan: 'pro' }) => ({ anonymousId: id, properties })
const held = () => createProxy({ endpoint: api.url, writeKey: WRITE_KEY })

describe('what it forwards', () => {
  it('POST <path>/profile with the held Write Only key; the page sent none', async () => {
    const response = await held()(profileRequest({ userId: 'user-1', ...anonymous() }))
    expect(response.status).toBe(204)
    const [post] = (await api.requests()).posts
    expect(post!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
    expect(post!.query).toEqual({ locationEnrichment: 'false' })
    expect((await api.profile('user-1')).properties).toEqual({ plan: 'pro' })
  })

  it('only the locationEnrichment query parameter, and only the headers the API reads', async () => {
    const request = profileRequest(anonymous(), {
      url: 'http://site.test/uf/profile?locationEnrichment=true&debug=1&token=secret',
      headers: { cookie: 'session=abc', 'x-custom': 'x', 'user-agent': 'TestAgent/1', 'accept-language': 'fr-CH, en;q=0.5' },
    })
    expect((await held()(request)).status).toBe(204)
    const [post] = (await api.requests()).posts
    expect(post!.query).toEqual({ locationEnrichment: 'true' })
    expect(post!.headers['user-agent']).toBe('TestAgent/1')
    expect(post!.headers['accept-language']).toBe('fr-CH, en;q=0.5')
    expect(post!.headers.cookie).toBeUndefined()
    expect(post!.headers['x-custom']).toBeUndefined()
  })

  it('no query when the client sent none (the API then takes locationEnrichment as false)', async () => {
    expect((await held()(profileRequest(anonymous(), { url: 'http://site.test/uf/profile' }))).status).toBe(204)
    expect((await api.requests()).posts[0]!.query).toEqual({})
  })

  it('the API\'s refusals as they came: status, JSON error, Retry-After', async () => {
    await api.faults([{ status: 503, retryAfter: '7' }])
    const busy = await held()(profileRequest(anonymous()))
    expect(busy.status).toBe(503)
    expect(busy.headers.get('retry-after')).toBe('7')
    const invalid = await held()(profileRequest('{"anonymousId": 5'))
    expect(invalid.status).toBe(400)
    expect(await invalid.json()).toMatchObject({ error: 'invalid_json' })
  })

  it('a path option and a trailing slash on the endpoint', async () => {
    const proxy = createProxy({ endpoint: api.url + '/', writeKey: WRITE_KEY, path: '/analytics/uf/' })
    expect((await proxy(profileRequest(anonymous(), { url: 'http://site.test/analytics/uf/profile?locationEnrichment=false' }))).status).toBe(204)
    expect((await proxy(profileRequest(anonymous(), { url: 'http://site.test/uf/profile' }))).status).toBe(404)
  })
})

describe('refusals: no open proxy', () => {
  const refusedPaths = ['/uf/profile/user-1', '/uf/profile/', '/uf', '/profile', '/uf/__test/requests', '/uf/../profile/user-1', '/UF/profile']
  it.each(refusedPaths)('%s: 404, nothing reaches the API', async (path) => {
    for (const method of ['GET', 'POST']) {
      const response = await held()(new Request('http://site.test' + path, { method, ...(method == 'POST' ? { body: '{}' } : {}) }))
      // `/uf/../profile/user-1` is normalised by URL parsing to /profile/user-1: refused all the same.
      expect(response.status, `${method} ${path}`).toBe(404)
      expect(await response.json()).toMatchObject({ error: 'not_found' })
    }
    const seen = await api.requests()
    expect([seen.posts.length, seen.gets]).toEqual([0, 0])
  })

  it.each(['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD'])('%s on <path>/profile: 405 with Allow', async (method) => {
    const response = await held()(new Request('http://site.test/uf/profile', { method, ...(['PUT', 'PATCH', 'DELETE'].includes(method) ? { body: '{}' } : {}) }))
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    expect((await api.requests()).posts).toHaveLength(0)
  })

  it('OPTIONS: 204 with Allow, no CORS grant (the proxy is for the site\'s own pages)', async () => {
    const response = await held()(new Request('http://site.test/uf/profile', { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } }))
    expect(response.status).toBe(204)
    expect(response.headers.get('allow')).toBe('POST, OPTIONS')
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
    expect((await api.requests()).preflights).toBe(0)
  })

  describe('bodies over maxBodyBytes (default 64 KiB): 413, counted as they stream', () => {
    it('a streamed body without Content-Length, one byte over', async () => {
      const request = new Request('http://site.test/uf/profile', { method: 'POST', body: streamed(1024, 64).pipeThrough(oneMoreByte()), duplex: 'half' } as RequestInit)
      const response = await held()(request)
      expect(response.status).toBe(413)
      expect(response.headers.get('connection')).toBe('close')
      expect((await api.requests()).posts).toHaveLength(0)
    })

    it('exactly 64 KiB is forwarded', async () => {
      const padding = 'x'.repeat(65_536 - JSON.stringify(anonymous('anon-1', { p: '' })).length)
      const body = JSON.stringify(anonymous('anon-1', { p: padding }))
      expect(new TextEncoder().encode(body).length).toBe(65_536)
      expect((await held()(profileRequest(body))).status).toBe(204)
    })

    it('multi-byte characters count as their UTF-8 bytes', async () => {
      // 22,000 × "€" is 66,000 bytes in UTF-8, though 22,000 characters.
      const response = await held()(profileRequest(anonymous('anon-1', { p: '€'.repeat(22_000) })))
      expect(response.status).toBe(413)
    })

    it('a declared Content-Length over the cap is refused without reading', async () => {
      const request = new Request('http://site.test/uf/profile', { method: 'POST', headers: { 'content-length': '999999' }, body: streamed(10, 1), duplex: 'half' } as RequestInit)
      expect((await held()(request)).status).toBe(413)
    })

    it('a Content-Length that says less than the stream brings: the bytes count', async () => {
      const request = new Request('http://site.test/uf/profile', { method: 'POST', headers: { 'content-length': '10' }, body: streamed(1000, 70), duplex: 'half' } as RequestInit)
      expect((await held()(request)).status).toBe(413)
      expect((await api.requests()).posts).toHaveLength(0)
    })

    it('a body that breaks off mid-stream: 400, nothing forwarded, nothing logged', async () => {
      const error = vi.spyOn(console, 'error').mockImplementation(() => {})
      try {
        let sent = false
        const broken = new ReadableStream<Uint8Array>({
          pull: (controller) => (sent ? controller.error(new Error('client went away')) : ((sent = true), controller.enqueue(new TextEncoder().encode('{"anonymousId":')))),
        })
        const response = await held()(new Request('http://site.test/uf/profile', { method: 'POST', body: broken, duplex: 'half' } as RequestInit))
        expect(response.status).toBe(400)
        expect((await api.requests()).posts).toHaveLength(0)
        expect(error).not.toHaveBeenCalled()
      } finally {
        error.mockRestore()
      }
    })

    it('a smaller maxBodyBytes', async () => {
      const proxy = createProxy({ endpoint: api.url, writeKey: WRITE_KEY, maxBodyBytes: 100 })
      expect((await proxy(profileRequest(anonymous('a', { p: 'x'.repeat(100) })))).status).toBe(413)
      expect((await proxy(profileRequest(anonymous('a')))).status).toBe(204)
    })
  })

  describe('keys', () => {
    const passThrough = () => createProxy({ endpoint: api.url, readWriteKey: READ_WRITE_KEY })
    it('without a held key, the client\'s Bearer Write Only key is forwarded', async () => {
      const response = await passThrough()(profileRequest(anonymous(), { headers: { authorization: `Bearer ${WRITE_KEY}` } }))
      expect(response.status).toBe(204)
      expect((await api.requests()).posts[0]!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
    })

    it('the Read + Write key from a client is refused (403) and never forwarded', async () => {
      for (const authorization of [`Bearer ${READ_WRITE_KEY}`, `bearer   ${READ_WRITE_KEY}  `]) {
        const response = await passThrough()(profileRequest(anonymous(), { headers: { authorization } }))
        expect(response.status).toBe(403)
        const text = await response.text()
        expect(text).toContain('Read + Write')
        expect(text).not.toContain(READ_WRITE_KEY)
      }
      expect((await api.requests()).posts).toHaveLength(0)
    })

    it.each([['none', undefined], ['Basic', 'Basic ZGVtbzprZXk='], ['a bare key', WRITE_KEY], ['an empty Bearer', 'Bearer '], ['two tokens', `Bearer ${WRITE_KEY} x`]])(
      'an Authorization that is not one Bearer token (%s): 401, not forwarded',
      async (_, authorization) => {
        const response = await passThrough()(profileRequest(anonymous(), { headers: authorization === undefined ? {} : { authorization } }))
        expect(response.status).toBe(401)
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /)
        expect((await api.requests()).posts).toHaveLength(0)
      },
    )

    it('a held key replaces whatever the client sent, the Read + Write key included', async () => {
      const sent: string[] = []
      const proxy = createProxy({
        endpoint: api.url,
        writeKey: WRITE_KEY,
        fetch: (input, init) => (sent.push(new Headers(init?.headers).get('authorization')!), fetch(input, init)),
      })
      for (const authorization of [`Bearer ${READ_WRITE_KEY}`, 'Basic eA==', 'Bearer some-other-key']) {
        expect((await proxy(profileRequest(anonymous(), { headers: { authorization } }))).status).toBe(204)
      }
      expect(sent).toEqual(Array(3).fill(`Bearer ${WRITE_KEY}`))
    })

    describe('never leaked to the client', () => {
      it('not in any header or body the proxy answers, whatever the API says', async () => {
        const proxy = createProxy({ endpoint: api.url, writeKey: WRITE_KEY, readWriteKey: READ_WRITE_KEY })
        await api.faults([
          { status: 403, body: { error: 'forbidden', message: `key ${WRITE_KEY} unknown; try ${READ_WRITE_KEY}` } },
          { status: 500, body: { echo: `Bearer ${WRITE_KEY}` } },
        ])
        const answers = [
          await proxy(profileRequest(anonymous())),
          await proxy(profileRequest(anonymous())),
          await proxy(profileRequest(anonymous())),
          await proxy(new Request('http://site.test/uf/profile/user-1')),
          await proxy(new Request('http://site.test/uf/profile', { method: 'OPTIONS' })),
        ]
        expect(answers.map((answer) => answer.status)).toEqual([403, 500, 204, 404, 204])
        for (const answer of answers) {
          const everything = JSON.stringify([...answer.headers]) + (await answer.text())
          expect(everything).not.toContain(WRITE_KEY)
          expect(everything).not.toContain(READ_WRITE_KEY)
        }
        // The API's message still reaches the developer, with the key taken out.
        await api.faults([{ status: 403, body: { message: `key ${WRITE_KEY}` } }])
        expect(await (await proxy(profileRequest(anonymous()))).json()).toEqual({ message: 'key [redacted]' })
      })

      it('no header of the API\'s goes back but Content-Type and Retry-After', async () => {
        const proxy = createProxy({
          endpoint: api.url,
          writeKey: WRITE_KEY,
          fetch: async () => new Response('{}', { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '3', 'x-api-key': WRITE_KEY, 'set-cookie': 'api=1' } }),
        })
        const response = await proxy(profileRequest(anonymous()))
        expect([...response.headers.keys()].sort()).toEqual(['cache-control', 'content-type', 'retry-after'])
      })
    })
  })

  it('no key at all: 500 saying so, one console error, nothing forwarded', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const proxy = createProxy({ endpoint: api.url, writeKey: process.env.UF_SURELY_UNSET_KEY })
      for (let i = 0; i < 2; i++) {
        const response = await proxy(profileRequest(anonymous()))
        expect(response.status).toBe(500)
        expect((await response.json()).message).toMatch(/neither options\.writeKey .* nor options\.readWriteKey/)
      }
      expect(error).toHaveBeenCalledTimes(1)
      expect((await api.requests()).posts).toHaveLength(0)
    } finally {
      error.mockRestore()
    }
  })
})

describe('when the API does not answer', () => {
  afterEach(() => api.hang(false))
  it('unreachable: 502, which the client retries', async () => {
    const proxy = createProxy({ endpoint: 'http://127.0.0.1:9', writeKey: WRITE_KEY })
    const response = await proxy(profileRequest(anonymous()))
    expect(response.status).toBe(502)
    expect(await response.json()).toMatchObject({ error: 'bad_gateway' })
  })
  it('too slow: 504 after the timeout', async () => {
    await api.hang(true)
    const started = Date.now()
    const response = await createProxy({ endpoint: api.url, writeKey: WRITE_KEY, timeout: 300 })(profileRequest(anonymous()))
    expect(response.status).toBe(504)
    // Generous bounds: a loaded machine is slow, but the timeout is what ended it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
  it('a redirect (the API has none) is not followed: 502', async () => {
    const proxy = createProxy({ endpoint: api.url, writeKey: WRITE_KEY, fetch: async () => new Response(null, { status: 307, headers: { location: 'https://evil.test/' } }) })
    expect((await proxy(profileRequest(anonymous()))).status).toBe(502)
  })
})

describe('setup mistakes throw at createProxy, naming the option', () => {
  it.each([
    [{ endpoint: 'not a url' }, /options\.endpoint must be an http or https URL/],
    [{ endpoint: 'ftp://x.test' }, /options\.endpoint/],
    [{ writeKey: 42 }, /options\.writeKey must be a string, not 42/],
    [{ path: 'uf' }, /options\.path must be a path/],
    [{ maxBodyBytes: 0 }, /options\.maxBodyBytes must be an integer ≥ 1/],
    [{ timeout: -1 }, /options\.timeout/],
    [{ clientAddress: 'x-real-ip' }, /options\.clientAddress must be a function/],
    [{ cookie: { storagePrefix: 'a;b' } }, /options\.cookie\.storagePrefix/],
    [{ cookie: { maxAgeDays: 0 } }, /options\.cookie\.maxAgeDays/],
    [{ cookie: { secure: 'yes' } }, /options\.cookie\.secure/],
    [{ writeKey: READ_WRITE_KEY, readWriteKey: READ_WRITE_KEY }, /must be the Write Only key/],
  ])('%j', (options, message) => {
    expect(() => createProxy({ writeKey: WRITE_KEY, ...(options as object) })).toThrow(message)
  })
  it('an option inherited from a polluted Object.prototype is not an option', async () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.endpoint = 'http://evil.test'
    try {
      const proxy = createProxy(Object.assign(Object.create({ endpoint: 'http://evil.test' }), { writeKey: WRITE_KEY, fetch: async (input: string) => new Response(String(input)) }))
      expect(await (await proxy(profileRequest(anonymous()))).text()).toBe('https://integration-api.userflux.co/profile?locationEnrichment=false')
    } finally {
      delete proto.endpoint
    }
  })
})

/** A transform that appends one byte to the stream: 64 KiB + 1. */
function oneMoreByte() {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, controller) => controller.enqueue(chunk),
    flush: (controller) => controller.enqueue(new Uint8Array([0x20])),
  })
}
