/**
 * The e2e stack (tests/e2e/harness.ts: the local Integration API on one 127.0.0.1 port, the test site
 * with its strict CSP on another) driven by any engine. The site's own test pages are served with a
 * "prelude" script in front: it records console errors, page errors and CSP violations inside the
 * page (WebDriver classic has no console events), and can break localStorage before the snippet runs
 * (WebDriver has no init scripts), the same way in every engine.
 */
import { createHash } from 'node:crypto'
import { writeFile, mkdir } from 'node:fs/promises'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
// @ts-expect-error: plain JavaScript (typed with JSDoc), no declaration file
import { createApiServer } from '../../demo/api/server.js'
import { Api, pageUrl, startSite, type PageOptions } from '../e2e/harness.js'
import { launch, type Engine, type EngineName, type Tab, type Visitor } from './driver.js'
import { PRELUDE, type Missing, type StorageTrouble } from './prelude.js'

export interface EnginePage extends PageOptions {
  /** Break localStorage before the snippet loads. */
  storage?: StorageTrouble
  /** Play an older browser: hide Web Locks, or make fetch ignore keepalive. */
  without?: Missing
}

export interface EngineStack {
  engine: Engine
  api: Api
  site: string
  /** A new visitor (empty storage); closed after the test. */
  visitor(): Promise<Visitor>
  /** The URL of the test page `page`: the prelude, then the snippet as configured. */
  url(page: EnginePage): Promise<string>
  /** Opens a test page in a new tab of `visitor` and waits for the snippet's client. */
  open(visitor: Visitor, page: EnginePage): Promise<Tab>
  /** A page of the site without the snippet, to navigate away to. */
  elsewhere: string
  /**
   * CORS preflights the API has answered since the file started. WebKit's visitors share one
   * browser (WebDriver classic has no contexts), so a preflight it cached (Access-Control-Max-Age)
   * in an earlier test is reused: a later test may see none of its own.
   */
  preflightsInFile(): Promise<number>
  /** What the scenarios observed that differs by engine: written to test-results/engines/<engine>.json. */
  record(key: string, value: unknown): void
}

export function useEngineStack(name: EngineName): EngineStack {
  const stack = {} as EngineStack
  const visitors: Visitor[] = []
  const observed: Record<string, unknown> = {}
  let earlierPreflights = 0
  let apiServer: { close(): Promise<void> } | undefined
  let site: Awaited<ReturnType<typeof startSite>> | undefined
  const served: Parameters<typeof startSite>[1] = new Map()

  beforeAll(async () => {
    // The API answers only to its configured hosts (DNS rebinding, demo/hosts.js); tests that map
    // names under .test (reserved, never in public DNS) to 127.0.0.1 may reach it by those too.
    apiServer = createApiServer({ control: true, allowedHosts: ['.test'] })
    const { url: apiUrl } = await (apiServer as any).listen(0, '127.0.0.1')
    site = await startSite(apiUrl, served)
    const siteUrl = site.url
    served.set('/prelude.js', { body: PRELUDE, headers: {} })
    served.set('/elsewhere.html', { body: '<!doctype html><title>elsewhere</title><p>no snippet here</p>', headers: {} })
    served.set('/__blank', { body: '<!doctype html><title>blank</title>', headers: {} })
    const engine = await launch(name)
    observed.version = engine.version
    Object.assign(stack, {
      engine,
      api: new Api(apiUrl),
      site: siteUrl,
      elsewhere: siteUrl + '/elsewhere.html',
      async visitor() {
        const visitor = await engine.newVisitor()
        visitors.push(visitor)
        return visitor
      },
      url: (page: EnginePage) => pageWithPrelude(siteUrl, served, page),
      async open(visitor: Visitor, page: EnginePage) {
        const tab = await visitor.open(await stack.url(page))
        if (!page.noKey) await waitForClient(tab)
        return tab
      },
      preflightsInFile: async () => earlierPreflights + (await stack.api.requests()).preflights,
      record(key: string, value: unknown) {
        observed[key] = value
      },
    } satisfies EngineStack)
  }, 120_000)
  beforeEach(async () => {
    earlierPreflights += (await stack.api.requests()).preflights
    await stack.api.reset()
  })
  afterEach(async () => {
    // Sequentially: WebKit has one session, and a visitor's close wipes its storage.
    for (const visitor of visitors.splice(0)) await visitor.close().catch(() => {})
  })
  afterAll(async () => {
    await stack.engine?.close()
    site?.server.closeAllConnections()
    await new Promise((resolve) => (site ? site.server.close(resolve) : resolve(undefined)))
    await apiServer?.close()
    await mkdir('test-results/engines', { recursive: true })
    await writeFile(`test-results/engines/${name}.json`, JSON.stringify(observed, null, 2) + '\n')
  }, 60_000)
  return stack
}

/**
 * The site's test page for `page` with the prelude's script first in <head>, served under a path of
 * its own: the page keeps the site's CSP, import map and script tags exactly as the e2e tests have them.
 */
async function pageWithPrelude(site: string, served: Parameters<typeof startSite>[1], page: EnginePage) {
  const { storage, without, ...config } = page
  const path = `/engine-page-${createHash('sha256').update(JSON.stringify(page)).digest('hex').slice(0, 16)}.html`
  if (!served.has(path)) {
    const html = await (await fetch(pageUrl(site, config))).text()
    const prelude = `<script src="/prelude.js?storage=${storage ?? ''}&amp;without=${without ?? ''}"></script>`
    served.set(path, { body: html.replace('<meta charset="utf-8">', `<meta charset="utf-8">${prelude}`), headers: {} })
  }
  return site + path
}

/** Waits until the script tag or ESM import has put its client on window.userflux. */
export async function waitForClient(tab: Tab, timeout = 20_000) {
  const end = Date.now() + timeout
  while (!(await tab.evaluate<boolean>('!!(window.userflux && !Array.isArray(window.userflux))'))) {
    if (Date.now() > end) throw new Error('the snippet did not create window.userflux')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Runs `script` (an async function body) in the page with the client as `uf`. */
export const inPage = <T = unknown>(tab: Tab, script: string) => tab.evaluate<T>(`(async (uf) => { ${script} })(window.userflux)`)

/** What the prelude recorded in this page: console errors, uncaught errors, CSP violations. */
export const pageProblems = (tab: Tab) => tab.evaluate<{ console: string[]; errors: string[]; csp: string[]; storage?: string; storageFilled?: number }>('window.__engine')
