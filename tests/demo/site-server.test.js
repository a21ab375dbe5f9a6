/**
 * The demo site's server over HTTP: pages under a strict CSP with the Write Only key injected (and
 * escaped), never the Read + Write key; static files without path traversal; the profile proxy.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiServer } from '../../demo/api/server.js'
import { createDemoServer } from '../../demo/site/server.js'
import { IMPORT_MAP } from '../../demo/site/pages.js'

const WRITE_KEY = 'write-"key"<&>'
const READ_WRITE_KEY = 'secret-read-write-key'
let api, apiUrl, demo, site, distDir

beforeAll(async () => {
  distDir = mkdtempSync(join(tmpdir(), 'uf-dist-'))
  writeFileSync(join(distDir, 'userflux.min.js'), '/* iife */')
  writeFileSync(join(distDir, 'index.js'), 'export const createClient = () => {}')
  api = createApiServer({ writeKey: WRITE_KEY, readWriteKey: READ_WRITE_KEY, log: () => {} })
  apiUrl = (await api.listen()).url
  demo = createDemoServer({ apiUrl: apiUrl + '/', writeKey: WRITE_KEY, readWriteKey: READ_WRITE_KEY, distDir })
  site = (await demo.listen()).url
})
afterAll(async () => {
  await demo.close()
  await api.close()
  rmSync(distDir, { recursive: true, force: true })
})

describe('pages', () => {
  it.each(['/', '/script-tag.html', '/spa.html'])('%s: strict CSP, no inline script but the hashed import map, no Read + Write key', async (path) => {
    const response = await fetch(site + path)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const hash = createHash('sha256').update(IMPORT_MAP).digest('base64')
    expect(response.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self' 'sha256-${hash}'; connect-src 'self' ${apiUrl}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    )
    const html = await response.text()
    expect(html).not.toContain(READ_WRITE_KEY)
    for (const [, attributes, content] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      if (content) expect(attributes).toContain('type="importmap"')
      else expect(attributes).toMatch(/src="\/[\w.-]+\.js"/)
    }
  })

  it('the script-tag page has the stub first, then the async snippet with its data-* attributes (escaped)', async () => {
    const html = await (await fetch(`${site}/script-tag.html`)).text()
    expect(html).toContain(`<script async src="/userflux.min.js" data-write-key="write-&quot;key&quot;&lt;&amp;&gt;" data-endpoint="${apiUrl}" data-location-enrichment="true" data-debug="true"></script>`)
    // The debug tap first: it must be listening before the snippet says anything.
    expect(html.indexOf('/debug-tap.js')).toBeLessThan(html.indexOf('/stub.js'))
    expect(html.indexOf('/stub.js')).toBeLessThan(html.indexOf('/early-call.js'))
    expect(html.indexOf('/early-call.js')).toBeLessThan(html.indexOf('/userflux.min.js'))
  })

  it('the SPA page has the import map and its configuration in meta tags', async () => {
    const html = await (await fetch(`${site}/spa.html`)).text()
    expect(html).toContain(`<script type="importmap">${IMPORT_MAP}</script>`)
    expect(html).toContain(`<meta name="uf-endpoint" content="${apiUrl}">`)
    expect(html).toContain('<meta name="uf-write-key" content="write-&quot;key&quot;&lt;&amp;&gt;">')
    expect(html.indexOf('/debug-tap.js')).toBeLessThan(html.indexOf('/spa-page.js'))
  })
})

describe('static files', () => {
  it.each([
    ['/userflux.min.js', 'text/javascript; charset=utf-8'],
    ['/dist/index.js', 'text/javascript; charset=utf-8'],
    ['/vendor/ky/index.js', 'text/javascript; charset=utf-8'],
    ['/vendor/nanoid/index.browser.js', 'text/javascript; charset=utf-8'],
    ['/vendor/nanoid/url-alphabet/index.js', 'text/javascript; charset=utf-8'],
    ['/stub.js', 'text/javascript; charset=utf-8'],
    ['/debug-tap.js', 'text/javascript; charset=utf-8'],
    ['/demo.css', 'text/css; charset=utf-8'],
  ])('serves %s', async (path, type) => {
    const response = await fetch(site + path)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe(type)
  })

  it.each(['/%2e%2e/package.json', '/vendor/ky/%2e%2e%2fpackage.json', '/dist/%2e%2e%2f%2e%2e%2fpackage.json', '/vendor/nanoid/..%5cpackage.json', '/nope.js', '/dist/'])('refuses %s', async (path) => {
    expect((await fetch(site + path)).status).toBe(404)
  })

  it('only GET, and POST /api/faults', async () => {
    expect((await fetch(`${site}/`, { method: 'POST' })).status).toBe(405)
  })
})

describe('without the test token', () => {
  it('the request log and the switches say they are unavailable', async () => {
    expect(await (await fetch(`${site}/api/requests`)).json()).toMatchObject({ available: false, posts: [] })
    const response = await fetch(`${site}/api/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mode":"down"}' })
    expect(response.status).toBe(503)
  })
})

describe('the profile proxy', () => {
  it('reads with the Read + Write key on the server side', async () => {
    await fetch(`${apiUrl}/profile`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'a/b c', properties: { plan: 'pro' } }),
    })
    const response = await fetch(`${site}/api/profile/${encodeURIComponent('a/b c')}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ id: 'a/b c', properties: { plan: 'pro' } })
  })

  it('passes a 404 through', async () => {
    const response = await fetch(`${site}/api/profile/nobody`)
    expect(response.status).toBe(404)
    expect(await response.json()).toMatchObject({ error: 'not_found' })
  })

  it('answers 502 when the API is down', async () => {
    const lonely = createDemoServer({ apiUrl: 'http://127.0.0.1:9', distDir })
    const { url } = await lonely.listen()
    try {
      const response = await fetch(`${url}/api/profile/x`)
      expect(response.status).toBe(502)
      expect(await response.json()).toMatchObject({ error: 'bad_gateway' })
    } finally {
      await lonely.close()
    }
  })
})
