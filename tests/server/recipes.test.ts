/**
 * The README's Server side recipes, run as they are written there: each code block is taken from
 * README.md, written to a file inside the repository (so that `userflux-snippet/server` resolves to
 * this package's build, as an app's import would) and imported. The hosted API's URL is redirected
 * to the local one by a stubbed global fetch. Needs `npm run build` (dist/server.js).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { useApi, WRITE_KEY } from './helpers.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const section = README.slice(README.indexOf('## Server side'), README.indexOf('\n## ', README.indexOf('## Server side') + 1))
const blocks = [...section.matchAll(/```(?:ts|js)\n([\s\S]*?)```/g)].map((match) => match[1]!)
const block = (marker: string) => {
  const found = blocks.filter((code) => code.includes(marker))
  if (found.length != 1) throw new Error(`README's Server side section: ${found.length} code blocks with ${marker}`)
  return found[0]!
}

const dir = new URL(`./.recipes-${process.pid}/`, import.meta.url)
const realFetch = globalThis.fetch
const api = useApi()
beforeAll(() => {
  mkdirSync(dir, { recursive: true })
  vi.stubEnv('UF_WRITE_KEY', WRITE_KEY)
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => realFetch(String(input).replace('https://integration-api.userflux.co', api.url), init))
})
afterAll(() => {
  vi.unstubAllGlobals()
  vi.unstubAllEnvs()
  rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => api.reset())

async function load(name: string, code: string) {
  const file = new URL(name, dir)
  writeFileSync(file, code)
  return import(/* @vite-ignore */ file.href)
}
const body = (anonymousId: string, userId?: string) => JSON.stringify({ ...(userId ? { userId } : {}), anonymousId, properties: { plan: 'pro' } })

describe('Next.js route handler: export const POST = createProxy(…)', () => {
  it('answers a Request as Next passes it (its x-forwarded-* headers), with the held key and the visitor\'s address', async () => {
    const { POST } = await load('route.ts', block('export const POST'))
    // What `next start` hands a route handler: the full URL and x-forwarded-for/-host/-proto.
    const request = new Request('http://localhost:3000/uf/profile?locationEnrichment=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.50', 'x-forwarded-host': 'localhost:3000', 'x-forwarded-proto': 'http' },
      body: body('anon-next', 'user-next'),
    })
    const response: Response = await POST(request)
    expect(response.status).toBe(204)
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^uf-server-anonymousId=anon-next\.\d+; Max-Age=34560000; Path=\/; SameSite=Lax$/)])
    const [post] = (await api.requests()).posts
    expect(post!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
    expect((await api.profile('user-next')).locationData.ip).toBe('203.0.113.50')
  })
})

describe('Cloudflare Workers: export default { fetch }', () => {
  it('takes the key from env and the address from CF-Connecting-IP', async () => {
    const { default: worker } = await load('worker.js', block('export default {'))
    const request = new Request('https://site.test/uf/profile?locationEnrichment=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'cf-connecting-ip': '198.51.100.23', 'x-forwarded-for': '10.9.9.9' },
      body: body('anon-cf', 'user-cf'),
    })
    const response: Response = await worker.fetch(request, { UF_WRITE_KEY: WRITE_KEY })
    expect(response.status).toBe(204)
    expect(response.headers.getSetCookie()[0]).toMatch(/; Secure$/)
    expect((await api.profile('user-cf')).locationData.ip).toBe('198.51.100.23')
  })
})

describe('node:http with toNodeHandler', () => {
  let server: Server
  let site: string
  beforeAll(async () => {
    const code = block('createServer')
    if (!code.includes('server.listen(3000)')) throw new Error('the README\'s Node recipe no longer ends with server.listen(3000)')
    // The one change: a free port on 127.0.0.1 instead of 3000, and the server handed to the test.
    ;({ server } = await load('server.mjs', code.replace('server.listen(3000)', "server.listen(0, '127.0.0.1')\nexport { server }")))
    if (!server.listening) await new Promise((resolve) => server.once('listening', resolve))
    site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise((resolve) => server?.close(resolve)))

  const post = (payload: string, path = '/uf/profile?locationEnrichment=true', headers: Record<string, string> = {}) =>
    realFetch(site + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload })

  it('forwards an update with the held key; the socket\'s address is the visitor\'s', async () => {
    const response = await post(body('anon-node', 'user-node'))
    expect(response.status).toBe(204)
    expect(response.headers.getSetCookie()).toEqual([expect.stringMatching(/^uf-server-anonymousId=anon-node\.\d+;/)])
    expect((await api.profile('user-node')).locationData).toMatchObject({ ip: '127.0.0.1', source: 'loopback' })
  })

  it('the site\'s own routes stay its own; other /uf/ paths are refused', async () => {
    expect(await (await realFetch(site + '/')).text()).toBe('your site')
    expect((await realFetch(site + '/uf/profile/user-node')).status).toBe(404)
    expect((await realFetch(site + '/uf/profile')).status).toBe(405)
    expect((await api.requests()).gets).toBe(0)
  })

  it('a chunked upload over 64 KiB: 413, counted as it streams (no Content-Length to trust)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(site + '/uf/profile', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (response) => {
        response.resume()
        resolve(response.statusCode!)
      })
      request.on('error', reject)
      for (let i = 0; i < 65; i++) request.write(' '.repeat(1024))
      request.end()
    })
    expect(status).toBe(413)
    expect((await api.requests()).posts).toHaveLength(0)
  })
})
