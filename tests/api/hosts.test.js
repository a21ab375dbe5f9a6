/**
 * DNS rebinding (issue 19, item 8): a page on evil.example whose name re-resolves to 127.0.0.1 talks to
 * the local API "same origin", with `Host: evil.example:<port>`. The API answers only to its configured
 * hosts, 421 to any other, on every route, before doing anything.
 */
import { describe, expect, it } from 'vitest'
import { createHostCheck, parseHostList } from '../../demo/hosts.js'
import { rawRequest } from '../support/raw-request.mjs'
import { READ_WRITE_KEY, startApi, useApi, WRITE_KEY } from './helpers.js'

const api = useApi()

const json = { 'content-type': 'application/json' }
/** Every route a rebound page would try, with what it would send. */
const routes = () => [
  ['POST /profile', { method: 'POST', path: '/profile', headers: { ...json, authorization: `Bearer ${WRITE_KEY}` }, body: '{"userId":"rebound","properties":{"pwned":true}}' }],
  ['GET /profile/{userId}', { path: '/profile/victim', headers: { authorization: `Bearer ${READ_WRITE_KEY}` } }],
  ['OPTIONS /profile', { method: 'OPTIONS', path: '/profile', headers: { origin: 'http://evil.example:1', 'access-control-request-method': 'POST' } }],
  ['GET /__test/requests', { path: '/__test/requests', headers: { 'x-uf-test-token': api.testToken } }],
  ['POST /__test/faults', { method: 'POST', path: '/__test/faults', headers: { ...json, 'x-uf-test-token': api.testToken }, body: '{"faults":[{"status":401,"times":50}]}' }],
  ['POST /__test/reset', { method: 'POST', path: '/__test/reset', headers: { ...json, 'x-uf-test-token': api.testToken }, body: '{}' }],
  ['GET /nowhere', { path: '/nowhere' }],
]

describe('a Host the API is not: 421 and nothing done', () => {
  it.each(['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '192.168.1.20', 'localhost:1', '127.0.0.1:80', 'localhost.', 'x'])(
    'Host %s (with the API port unless it names one)',
    async (name) => {
      await api.reset()
      await api.post({ userId: 'victim', properties: { email: 'victim@example.com' } })
      const host = /:\d+$/.test(name) ? name : `${name}:${api.port}`
      for (const [route, request] of routes()) {
        const response = await rawRequest({ port: api.port, ...request, headers: { ...request.headers, host } })
        expect(response.status, route).toBe(421)
        expect(JSON.parse(response.text), route).toMatchObject({ error: 'misdirected_request' })
        expect(response.text, route).not.toContain('victim@example.com')
        expect(response.headers['access-control-allow-origin'], route).toBeUndefined()
      }
      // Nothing was stored, queued or cleared by those requests, and none of them was logged.
      expect((await api.profile('victim')).properties).toEqual({ email: 'victim@example.com' })
      expect((await api.get('rebound')).status).toBe(404)
      const { posts, gets, preflights } = await api.requests()
      expect({ posts: posts.length, gets, preflights }).toEqual({ posts: 1, gets: 2, preflights: 0 })
      expect((await api.post({ anonymousId: 'after' })).status).toBe(204) // no 401 fault was queued
    },
    // A dozen requests: above the default 5 s once, when a build ran beside it on the 2-core machine.
    30_000,
  )

  it('no Host at all (HTTP/1.0): 421', async () => {
    const { connect } = await import('node:net')
    const text = await new Promise((resolve) => {
      const socket = connect(api.port, '127.0.0.1', () => socket.write('GET /profile/victim HTTP/1.0\r\n\r\n'))
      let data = ''
      socket.on('data', (chunk) => (data += chunk))
      socket.on('close', () => resolve(data))
    })
    expect(text).toMatch(/^HTTP\/1\.1 421 /)
  })

  it('an absolute-form target names the host too: an allowed Host with a foreign authority is 421', async () => {
    const response = await rawRequest({
      port: api.port,
      path: `http://evil.example:${api.port}/profile/victim`,
      headers: { host: `127.0.0.1:${api.port}`, authorization: `Bearer ${READ_WRITE_KEY}` },
    })
    expect(response.status).toBe(421)
  })
})

describe('the loopback names, with the port, are served', () => {
  it.each(['localhost', '127.0.0.1', '[::1]', 'LOCALHOST'])('Host %s:<port>', async (name) => {
    await api.post({ userId: 'reader' })
    const response = await rawRequest({ port: api.port, path: '/profile/reader', headers: { host: `${name}:${api.port}`, authorization: `Bearer ${READ_WRITE_KEY}` } })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.text)).toMatchObject({ id: 'reader' })
  })
})

describe('allowedHosts: names a test maps to 127.0.0.1', () => {
  it('a name (with the port), a name:port, and .domain for a domain and its subdomains; nothing else', async () => {
    const own = await startApi({ allowedHosts: ['shop.test', 'fixed.example:9', '.mapped.test'] })
    try {
      const status = async (host) => (await rawRequest({ port: own.port, path: '/nowhere', headers: { host } })).status
      // 404: served (no such route); 421: refused before routing.
      expect(await status(`shop.test:${own.port}`)).toBe(404)
      expect(await status('fixed.example:9')).toBe(404)
      expect(await status(`mapped.test:${own.port}`)).toBe(404)
      expect(await status(`api.mapped.test:${own.port}`)).toBe(404)
      expect(await status(`shop.test:${own.port + 1}`)).toBe(421)
      expect(await status(`fixed.example:${own.port}`)).toBe(421)
      expect(await status(`evilmapped.test:${own.port}`)).toBe(421)
      expect(await status(`www.shop.test:${own.port}`)).toBe(421)
    } finally {
      await own.close()
    }
  })

  it('UF_ALLOWED_HOSTS is a comma-separated list', () => {
    expect(parseHostList(' Shop.test, ,.mapped.test,fixed.example:9 ')).toEqual(['shop.test', '.mapped.test', 'fixed.example:9'])
    expect(parseHostList(undefined)).toEqual([])
  })

  it('a server not listening yet allows nothing but exact name:port entries', () => {
    const check = createHostCheck(/** @type {any} */ ({ address: () => null }), ['fixed.example:9'])
    expect(check.allowsHost('localhost:8787')).toBe(false)
    expect(check.allowsHost('fixed.example:9')).toBe(true)
  })
})
