/**
 * DNS rebinding against the demo site (issue 19, item 8): a page on evil.example re-resolved to
 * 127.0.0.1 is "same origin" with the demo, and used to read any profile through the Read + Write key
 * proxy, read the whole request log, and flip the API to 401, because the switches compared Origin with
 * Host, both of the page's choosing. The site now answers only to its configured hosts (421), and the
 * switches compare Origin with its configured origins.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiServer } from '../../demo/api/server.js'
import { createDemoServer } from '../../demo/site/server.js'
import { rawRequest } from '../support/raw-request.mjs'

const WRITE_KEY = 'rebinding-write-key'
const READ_WRITE_KEY = 'rebinding-read-write-key'
let api, apiUrl, demo, port, distDir

beforeAll(async () => {
  distDir = mkdtempSync(join(tmpdir(), 'uf-dist-'))
  writeFileSync(join(distDir, 'userflux.min.js'), '/* iife */')
  api = createApiServer({ writeKey: WRITE_KEY, readWriteKey: READ_WRITE_KEY, control: true, log: () => {} })
  apiUrl = (await api.listen()).url
  demo = createDemoServer({ apiUrl, writeKey: WRITE_KEY, readWriteKey: READ_WRITE_KEY, testToken: api.testToken, distDir, allowedHosts: ['shop.test'] })
  port = (await demo.listen()).port
  await fetch(`${apiUrl}/profile`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'victim', properties: { email: 'victim@example.com' } }),
  })
})
afterAll(async () => {
  await demo?.close()
  await api?.close()
  rmSync(distDir, { recursive: true, force: true })
})

const control = async (path) => (await fetch(`${apiUrl}/__test/${path}`, { method: 'POST', headers: { 'x-uf-test-token': api.testToken, 'content-type': 'application/json' }, body: '{"faults":[]}' })).json()
const setFault = (headers, mode = 'unauthorized') => rawRequest({ port, method: 'POST', path: '/api/faults', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ mode }) })

describe('a Host the demo is not: 421, nothing read or changed', () => {
  it.each(['evil.example', '192.168.1.20', 'localhost.evil.example', 'shop.test.evil.example'])('Host %s:<port>, as a rebound page sends it', async (name) => {
    const host = `${name}:${port}`
    const origin = `http://${host}`
    const gets = (await (await fetch(`${apiUrl}/__test/requests`, { headers: { 'x-uf-test-token': api.testToken } })).json()).gets
    for (const path of ['/', '/script-tag.html', '/userflux.min.js', '/api/profile/victim', '/api/requests', '/api/requests/stream']) {
      const response = await rawRequest({ port, path, headers: { host } })
      expect(response.status, path).toBe(421)
      expect(response.text, path).not.toContain('victim@example.com')
    }
    // The pair that passed before: Origin equal to the Host, both the page's.
    expect((await setFault({ host, origin })).status).toBe(421)
    expect(await control('faults')).toEqual({ pending: 0 })
    // The proxy never asked the API for the profile.
    expect((await (await fetch(`${apiUrl}/__test/requests`, { headers: { 'x-uf-test-token': api.testToken } })).json()).gets).toBe(gets)
  })
})

describe('the switches take Origin from the configured origins, never from Host', () => {
  it('an allowed Host with a foreign Origin: 403, no fault queued', async () => {
    for (const origin of [`http://evil.example:${port}`, 'http://evil.example', `https://localhost:${port}`, 'null', `http://localhost:${port + 1}`]) {
      const response = await setFault({ host: `127.0.0.1:${port}`, origin })
      expect(response.status, origin).toBe(403)
    }
    expect(await control('faults')).toEqual({ pending: 0 })
  })

  it('a page on another configured name of the demo (localhost vs 127.0.0.1, shop.test) may flip them', async () => {
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`, `http://shop.test:${port}`]) {
      const on = await setFault({ host: `127.0.0.1:${port}`, origin }, 'retry-after')
      expect(on.status, origin).toBe(200)
      expect((await control('faults')).pending).toBeGreaterThan(0)
      expect((await setFault({ host: `127.0.0.1:${port}`, origin }, 'off')).status).toBe(200)
      expect(await control('faults')).toEqual({ pending: 0 })
    }
  })
})

describe('the configured hosts are served', () => {
  it.each(['localhost', '127.0.0.1', '[::1]', 'shop.test'])('Host %s:<port>', async (name) => {
    const response = await rawRequest({ port, path: '/api/profile/victim', headers: { host: `${name}:${port}` } })
    expect(response.status).toBe(200)
    expect(JSON.parse(response.text)).toMatchObject({ id: 'victim' })
  })
})
