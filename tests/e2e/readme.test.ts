/**
 * Every code sample in README.md, run (issue 6). The fenced blocks are read from the README when the
 * test runs, never copied here, and changed only textually: the local write key, the local API as the
 * endpoint, a local "proxy" for https://example.com/uf, the integrity of the built file. Each one then
 * runs in real Chromium against the local Integration API, and the test checks what the README says
 * it does. Shell commands and plain fences (the diagram, the CSP lines) are not samples to run; a
 * block of any other language, or a sample more or fewer than listed below, fails the test, so a new
 * sample cannot slip past and a removed one is noticed.
 *
 * Pages are served with a strict Content-Security-Policy, as the harness's are, allowing the inline
 * scripts by hash: the README's advice for the inline loader stub.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright'
import { Linter } from 'eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useStack, waitInPage, WRITE_KEY } from './harness.js'

const root = new URL('../../', import.meta.url).pathname
const README = readFileSync(root + 'README.md', 'utf8')
const UPDATE_THE_TEST = 'update tests/e2e/readme.test.ts along with the README'

// ─── The README's fenced code blocks ────────────────────────────────────────────────────────────────

interface Block {
  /** The first word of the info string, lower case; '' for a plain fence. */
  lang: string
  code: string
  /** 1-based line of the opening fence. */
  line: number
}

/** Fenced code blocks as CommonMark reads them at the top level (``` or ~~~, 3+ long, up to 3 spaces in). */
function fencedBlocks(markdown: string): { blocks: Block[]; fenceLines: number } {
  const lines = markdown.split(/\r?\n/)
  const blocks: Block[] = []
  let fenceLines = 0
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})(.*)$/.exec(lines[i]!)
    if (!open) continue
    const [, indent, fence, info] = open as unknown as [string, string, string, string]
    if (fence[0] == '`' && info.includes('`')) continue // inline code at the start of a line, not a fence
    const close = new RegExp(`^ {0,3}${fence[0] == '`' ? '`' : '~'}{${fence.length},}\\s*$`)
    const unindent = new RegExp(`^ {0,${indent.length}}`)
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !close.test(lines[j]!)) body.push(lines[j++]!.replace(unindent, ''))
    blocks.push({ lang: (info.trim().split(/\s+/)[0] || '').toLowerCase(), code: body.join('\n'), line: i + 1 })
    fenceLines += j < lines.length ? 2 : 1
    i = j
  }
  return { blocks, fenceLines }
}

const { blocks, fenceLines } = fencedBlocks(README)

/** Languages this test runs, and the ones it deliberately does not, with why. */
const RUN = ['html', 'js', 'ts', 'tsx']
const SKIP: Record<string, string> = {
  sh: 'shell commands (npm install, npm start / npm test, openssl, curl) and the .env file: run by people and CI, not in a page',
  nginx: 'an nginx config: run by nginx; the Vite recipe of the same proxy is run below with a real Vite dev server',
  '': 'plain fences: the architecture diagram and the CSP directives, not code',
}
/** How many blocks of each language the README has; a sample added or removed must show here. */
const EXPECTED_COUNTS: Record<string, number> = { html: 11, js: 5, ts: 8, tsx: 6, sh: 6, nginx: 1, '': 3 }

/** Every runnable sample, by what identifies it; each must match exactly one block and vice versa. */
const SAMPLES = {
  scriptTag: { lang: 'html', is: (code: string) => code.includes('data-write-key="WRITE_ONLY_KEY"') && !/integrity=|data-endpoint=|data-opted-out|data-consent/.test(code) },
  optedOutTag: { lang: 'html', is: (code: string) => code.includes('data-opted-out="true"') },
  loaderStub: { lang: 'html', is: (code: string) => /^<script>![^<]*window\.userflux=\[\]/.test(code) },
  // Run below: a real Vite dev server with the Vite recipe, Next.js's rewrite checked for its shape.
  viteProxy: { lang: 'ts', is: (code: string) => code.includes('defineConfig(') },
  nextRewrites: { lang: 'js', is: (code: string) => code.includes('rewrites()') },
  viteEnv: { lang: 'ts', is: (code: string) => code.includes('interface ImportMetaEnv') },
  sriTag: { lang: 'html', is: (code: string) => code.includes('integrity=') },
  proxyTag: { lang: 'html', is: (code: string) => code.includes('data-endpoint="https://example.com/uf"') },
  // The Server side section's samples, run in tests/server/recipes.test.ts (the keyless tag in tests/e2e/server-proxy.test.ts).
  keylessProxyTag: { lang: 'html', is: (code: string) => code.includes('data-endpoint="/uf"') && !code.includes('data-write-key') },
  serverNextRoute: { lang: 'ts', is: (code: string) => code.includes('export const POST = createProxy') },
  serverNode: { lang: 'js', is: (code: string) => code.includes('toNodeHandler(') },
  serverWorker: { lang: 'js', is: (code: string) => code.includes('export default {') && code.includes('createProxy') },
  serverReadId: { lang: 'tsx', is: (code: string) => code.includes('readAnonymousId(') },
  serverGetProfile: { lang: 'ts', is: (code: string) => code.includes('getProfile(') },
  updateProfileLine: { lang: 'js', is: (code: string) => code.includes('userflux.updateProfile(') },
  plainJsLogIn: { lang: 'js', is: (code: string) => code.includes('loginForm') },
  npmQuickStart: { lang: 'ts', is: (code: string) => code.includes('createClient(') },
  identifyAndReset: { lang: 'ts', is: (code: string) => code.includes('.identify(') && code.includes('.reset()') },
  // Run below against an API that answers 503 for a while, and type-checked with the package's types.
  flushUntilOk: { lang: 'ts', is: (code: string) => code.includes('retryAt') },
  reactHook: { lang: 'tsx', is: (code: string) => code.includes('useEffect') },
  // Type-checked below against the package's types and React's; app/providers.tsx is also the file
  // tests/apps/next builds and runs.
  setUserLine: { lang: 'ts', is: (code: string) => code.includes('.setUser(') },
  reactProvider: { lang: 'tsx', is: (code: string) => code.includes('// src/main.tsx') },
  reactHooks: { lang: 'tsx', is: (code: string) => code.includes('useUserFluxIdentity()') },
  nextProviders: { lang: 'tsx', is: (code: string) => code.includes('// app/providers.tsx') },
  nextLayout: { lang: 'tsx', is: (code: string) => code.includes('// app/layout.tsx') },
  // The Consent section's samples, run in consent-readme.test.ts.
  consentBanner: { lang: 'html', is: (code: string) => code.includes('id="consent-banner"') },
  consentTcf: { lang: 'html', is: (code: string) => code.includes('/consent-tcf.min.js') },
  consentConsentMode: { lang: 'html', is: (code: string) => code.includes('/consent-consent-mode.min.js') },
  consentOneTrust: { lang: 'html', is: (code: string) => code.includes('/consent-onetrust.min.js') },
  consentCookiebot: { lang: 'html', is: (code: string) => code.includes('/consent-cookiebot.min.js') },
}
type SampleName = keyof typeof SAMPLES

/** Problems with the README's inventory of blocks; the first test reports them all. */
function inventoryProblems(): string[] {
  const problems: string[] = []
  // Every line that looks like a fence must open or close one of the blocks found.
  const fenceLike = README.split(/\r?\n/).filter((line) => /^\s*(>\s*)*(`{3,}|~{3,})/.test(line)).length
  if (fenceLike != fenceLines || fenceLines != blocks.length * 2) {
    problems.push(`${fenceLike} fence-like lines in the README but ${blocks.length} well-formed top-level blocks: a fence is unclosed, or indented or nested where this parser does not look`)
  }
  for (const block of blocks) {
    if (!RUN.includes(block.lang) && !(block.lang in SKIP)) problems.push(`line ${block.line}: a \`\`\`${block.lang} block, a language this test does not know how to run`)
    if (RUN.includes(block.lang)) {
      const names = Object.entries(SAMPLES).filter(([, sample]) => sample.lang == block.lang && sample.is(block.code)).map(([name]) => name)
      if (names.length != 1) problems.push(`line ${block.line}: a \`\`\`${block.lang} block that is ${names.length ? 'several samples: ' + names.join(', ') : 'no known sample'}:\n${block.code}`)
    }
  }
  const counts: Record<string, number> = {}
  for (const block of blocks) counts[block.lang] = (counts[block.lang] || 0) + 1
  for (const lang of new Set([...Object.keys(EXPECTED_COUNTS), ...Object.keys(counts)])) {
    if ((counts[lang] || 0) != (EXPECTED_COUNTS[lang] || 0)) problems.push(`${counts[lang] || 0} \`\`\`${lang || '(plain)'} blocks, expected ${EXPECTED_COUNTS[lang] || 0}`)
  }
  for (const [name, sample] of Object.entries(SAMPLES)) {
    const matches = blocks.filter((block) => block.lang == sample.lang && sample.is(block.code)).length
    if (matches != 1) problems.push(`${matches} blocks are the ${name} sample, expected 1`)
  }
  return problems
}

/** The code of one sample, as the README has it now. */
function sample(name: SampleName): Block {
  const found = blocks.filter((block) => block.lang == SAMPLES[name].lang && SAMPLES[name].is(block.code))
  if (found.length != 1) throw new Error(`README.md has ${found.length} ${name} samples, expected 1: ${UPDATE_THE_TEST}`)
  return found[0]!
}

/** Replaces the one occurrence of `search` in a sample; a sample that no longer has it fails loudly. */
function replaceOnce(code: string, search: string, replacement: string, name: SampleName): string {
  const count = code.split(search).length - 1
  if (count != 1) throw new Error(`the README's ${name} sample has ${count} occurrences of ${JSON.stringify(search)}, expected 1: ${UPDATE_THE_TEST}\n${code}`)
  return code.replace(search, () => replacement)
}

// ─── Pages ──────────────────────────────────────────────────────────────────────────────────────────

const stack = useStack()

const sha = (algorithm: string, data: string | Buffer) => createHash(algorithm).update(data).digest('base64')

/** The site's strict policy, with each inline script of `html` allowed by its hash. */
function policy(html: string, connect: string) {
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    .filter(([, attributes]) => !/\bsrc=/.test(attributes!))
    .map(([, , code]) => `'sha256-${sha('sha256', code!)}'`)
  return `default-src 'self'; script-src 'self' ${inline.join(' ')}; connect-src 'self' ${connect}`
}

const htmlPage = (head: string, body = '') => `<!doctype html><html><head><meta charset="utf-8"><title>README sample</title>\n${head}\n</head><body>\n${body}\n</body></html>`

/** Serves a page on the test site under a strict CSP; returns its URL. */
function servePage(path: string, html: string) {
  stack.serve(path, html, { 'content-security-policy': policy(html, stack.api.url) })
  return stack.site + path
}

/** A new visitor's tab on `url`, recording the page's errors (not the browser's own favicon request). */
async function visit(url: string) {
  const context = await stack.newContext()
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() == 'error' && !message.location().url.endsWith('/favicon.ico')) errors.push(`${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => errors.push('pageerror: ' + error.message))
  await page.goto(url)
  // A sample that broke usually shows as a page error: say so when waiting for its effect times out.
  const explained = <T>(promise: Promise<T>) =>
    promise.catch((error: Error) => {
      throw new Error(`${error.message}\nerrors in the page: ${JSON.stringify(errors)}`)
    })
  return {
    page,
    errors,
    /** Waits for the script tag's client on window.userflux. */
    ready: () => explained(waitInPage(page, () => window.userflux && !Array.isArray(window.userflux) && typeof window.userflux.identify == 'function', 15_000)),
    /** Waits until the API has accepted at least `count` updates; returns all it accepted. */
    // Without deviceData, which every sample's first request carries: enrichment.test.ts checks it.
    arrived: (count: number) =>
      explained(stack.api.waitFor((accepted) => accepted.length >= count && accepted.map(({ deviceData, ...body }) => body))),
  }
}

/** The script tag client's anonymousId. */
const clientAnonymousId = (page: Page) => page.evaluate(() => (window.userflux as { anonymousId: string }).anonymousId)
const stored = (page: Page) => page.evaluate(() => ({ anonymousId: localStorage.getItem('uf-anonymousId'), userId: localStorage.getItem('uf-userId') }))

/** The README's script tag, with the local key and the local API as its endpoint (it has none). */
function scriptTag() {
  const name = 'scriptTag'
  let tag = sample(name).code
  expect(tag, 'the README script tag is served from /userflux.min.js').toContain('src="/userflux.min.js"')
  expect(tag, 'the README script tag has no data-endpoint: the default, unreachable here, is meant').not.toContain('data-endpoint')
  tag = replaceOnce(tag, 'WRITE_ONLY_KEY', WRITE_KEY, name)
  return replaceOnce(tag, '<script ', `<script data-endpoint="${stack.api.url}" `, name)
}

/** The README's updateProfile line, as the classic script it is. */
const updateProfileLine = () => sample('updateProfileLine').code

// `userflux.updateProfile({ theme: 'dark' })` as each sample makes it.
const themeUpdate = (anonymousId: string) => ({ anonymousId, properties: { theme: 'dark' } })

// ─── The tests ──────────────────────────────────────────────────────────────────────────────────────

describe('README.md code samples', () => {
  it('the README has exactly the samples this test runs (a new or removed block fails here)', () => {
    expect(blocks.length).toBeGreaterThan(0)
    expect(inventoryProblems(), `README.md's code blocks changed: ${UPDATE_THE_TEST}`).toEqual([])
    for (const block of blocks.filter((block) => block.lang in SKIP)) expect(SKIP[block.lang], `skipped on purpose: ${block.code}`).toBeTruthy()
  })

  it('script tag + loader stub + updateProfile: the call made before the script loaded arrives, and one after', async () => {
    const stub = sample('loaderStub').code
    const line = updateProfileLine()
    // README order: the stub before the script tag. The line runs as a page script between them, so
    // the script cannot have arrived yet; a probe records what the stub buffered at that moment.
    const html = htmlPage(
      [stub, `<script>\n${line}\n</script>`, '<script>window.__buffered = JSON.stringify(window.userflux)</script>', scriptTag()].join('\n'),
    )
    const { page, errors, ready, arrived } = await visit(servePage('/readme/script-tag.html', html))
    await ready()
    expect(JSON.parse(await page.evaluate(() => (window as any).__buffered))).toEqual([['updateProfile', { theme: 'dark' }]])
    const anonymousId = await clientAnonymousId(page)
    expect(anonymousId).toEqual(expect.any(String))
    expect(await arrived(1)).toEqual([themeUpdate(anonymousId)])
    expect((await stored(page)).anonymousId).toBe(anonymousId) // "keeps an anonymousId in localStorage"
    const [post] = (await stack.api.requests()).posts
    expect(post!.query).toEqual({ locationEnrichment: 'true' }) // data-location-enrichment="true"
    expect(post!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)

    // "works before and after the script has loaded": the same value again is not sent again (the
    // API has it: resendAfter), a new one is.
    await page.evaluate(line)
    expect(await page.evaluate(() => window.userflux.flush())).toEqual({ ok: true })
    await page.evaluate(line.replace("'dark'", "'light'"))
    expect(await arrived(2)).toEqual([themeUpdate(anonymousId), { anonymousId, properties: { theme: 'light' } }])
    expect(errors).toEqual([])
  })

  it('Subresource Integrity tag: loads and sends with the real integrity; a wrong one is refused', async () => {
    const name = 'sriTag'
    const built = await readFile(root + 'dist/userflux.min.js')
    const tag = (integrity: string) => {
      let code = sample(name).code
      expect(code).toContain('src="/userflux.min.js"')
      code = replaceOnce(code, 'sha384-…', integrity, name)
      code = replaceOnce(code, 'WRITE_ONLY_KEY', WRITE_KEY, name)
      return replaceOnce(code, '<script ', `<script data-endpoint="${stack.api.url}" `, name)
    }
    const integrity = `sha384-${sha('sha384', built)}`

    const good = await visit(servePage('/readme/sri.html', htmlPage(tag(integrity))))
    await good.ready()
    const anonymousId = await clientAnonymousId(good.page)
    await good.page.evaluate(updateProfileLine())
    expect(await good.arrived(1)).toEqual([themeUpdate(anonymousId)])
    expect(good.errors).toEqual([])

    // The attribute is real: the same file under another file's digest is blocked, so no client.
    const wrong = await visit(servePage('/readme/sri-wrong.html', htmlPage(tag(`sha384-${sha('sha384', 'some other script')}`))))
    await wrong.page.waitForLoadState('load') // an async script delays the load event until it ran or failed
    expect(await wrong.page.evaluate(() => typeof window.userflux)).toBe('undefined')
    expect(wrong.errors).toHaveLength(1)
    expect(wrong.errors[0]).toContain("'integrity' attribute")
    expect(wrong.errors[0]).toContain(integrity.slice('sha384-'.length)) // the browser's digest is ours
  })

  describe('behind a first-party proxy', () => {
    let proxy: Server
    let proxyUrl: string
    let page: string | undefined
    const seen: string[] = []
    beforeAll(async () => {
      // "Proxy POST /profile on your own origin to …/profile (keep the query string and the
      // Authorization header)": everything under /uf/ goes to the API, any method (so a preflight
      // would reach the API and be counted), with only the query, Authorization and Content-Type.
      // The same origin serves the page and the script, so the client's requests are same-origin.
      proxy = createServer(async (request, response) => {
        const url = new URL(request.url!, 'http://x')
        seen.push(`${request.method} ${url.pathname}${url.search}`)
        if (url.pathname.startsWith('/uf/')) {
          const headers: Record<string, string> = {}
          for (const name of ['authorization', 'content-type']) if (request.headers[name]) headers[name] = request.headers[name] as string
          const forwarded = httpRequest(stack.api.url + url.pathname.slice('/uf'.length) + url.search, { method: request.method, headers }, (answer) => {
            response.writeHead(answer.statusCode!, answer.headers)
            answer.pipe(response)
          })
          forwarded.on('error', () => response.destroy())
          return request.pipe(forwarded)
        }
        if (url.pathname == '/userflux.min.js') {
          response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' })
          return response.end(await readFile(root + 'dist/userflux.min.js'))
        }
        if (url.pathname == '/' && page) {
          // The README's CSP for a proxy: 'self' is all the page needs.
          response.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store', 'content-security-policy': "default-src 'self'; connect-src 'self'" })
          return response.end(page)
        }
        response.writeHead(404).end()
      })
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
      proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
    })
    afterAll(async () => {
      proxy?.closeAllConnections()
      await new Promise((resolve) => proxy?.close(resolve))
    })

    it('data-endpoint="<own origin>/uf": updates arrive through the proxy, with no CORS preflight', async () => {
      const name = 'proxyTag'
      let tag = sample(name).code
      expect(tag).toContain('src="/userflux.min.js"')
      tag = replaceOnce(tag, 'WRITE_ONLY_KEY', WRITE_KEY, name)
      page = htmlPage(replaceOnce(tag, 'https://example.com/uf', `${proxyUrl}/uf`, name))
      const { page: tab, errors, ready, arrived } = await visit(proxyUrl + '/')
      await ready()
      const anonymousId = await clientAnonymousId(tab)
      await tab.evaluate(updateProfileLine())
      expect(await arrived(1)).toEqual([themeUpdate(anonymousId)])
      const { posts, preflights } = await stack.api.requests()
      expect(posts[0]!.query).toEqual({ locationEnrichment: 'false' })
      expect(posts[0]!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
      // "Same-origin requests also skip the CORS preflight."
      expect(preflights).toBe(0)
      expect(seen.filter((line) => line.startsWith('OPTIONS'))).toEqual([])
      expect(seen).toContain('POST /uf/profile?locationEnrichment=false')
      expect(errors).toEqual([])
    })
  })

  /** TypeScript samples as the browser runs them: types stripped, nothing else changed. */
  function transpile(source: string, fileName: string) {
    const output = ts.transpileModule(source, {
      fileName,
      reportDiagnostics: true,
      compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ESNext, jsx: ts.JsxEmit.ReactJSX },
    })
    expect(output.diagnostics?.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')), `${fileName} does not parse`).toEqual([])
    return output.outputText
  }

  const importMap = (extra: Record<string, string> = {}) =>
    `<script type="importmap">${JSON.stringify({ imports: { 'userflux-snippet': '/dist/index.js', ky: '/vendor/ky/index.js', nanoid: '/vendor/nanoid/index.browser.js', ...extra } })}</script>`

  it('npm quick start + identify on log-in, reset on log-out: theme, identify with both ids, then a new anonymous id', async () => {
    // One module: the second block uses the `uf` the first creates.
    let source = `${sample('npmQuickStart').code}\n${sample('identifyAndReset').code}`
    source = replaceOnce(source, 'createClient({ ', `createClient({ endpoint: ${JSON.stringify(stack.api.url)}, `, 'npmQuickStart')
    source = replaceOnce(source, 'WRITE_ONLY_KEY', WRITE_KEY, 'npmQuickStart')
    const html = htmlPage(`${importMap()}\n<script type="module">\n${transpile(source, 'quick-start.ts')}\n</script>`)
    const { page, errors, arrived } = await visit(servePage('/readme/npm.html', html))

    const accepted = await arrived(2)
    const anonymousId = accepted[0].anonymousId
    expect(anonymousId).toEqual(expect.any(String))
    expect(accepted).toEqual([themeUpdate(anonymousId), { userId: 'user-42', anonymousId, properties: { plan: 'pro', email: 'ada@example.com' } }])
    // "properties set while anonymous end up on the user's profile"
    expect((await stack.api.profile('user-42')).properties).toMatchObject({ theme: 'dark', plan: 'pro', email: 'ada@example.com' })
    // reset(): the old identity's updates went out (above), then no user and a new anonymous id.
    const after = await stored(page)
    expect(after.userId).toBeNull()
    expect(after.anonymousId).toEqual(expect.any(String))
    expect(after.anonymousId).not.toBe(anonymousId)
    expect(errors).toEqual([])
  })

  it('the "until stored" loop: through a 503 spell it waits for retryAt, makes a few flush() calls, and answers true once stored', async () => {
    const name = 'flushUntilOk'
    const module = transpile(sample(name).code, 'flushed.ts')
    stack.serve('/readme/flushed.js', module)
    const boot = `import { createClient } from 'userflux-snippet'
import { flushed } from '/readme/flushed.js'
const uf = createClient({ writeKey: ${JSON.stringify(WRITE_KEY)}, endpoint: ${JSON.stringify(stack.api.url)}, minRetryDelay: 300, maxRetryDelay: 600 })
let calls = 0
const flush = uf.flush
uf.flush = () => (calls++, flush())
uf.updateProfile({ plan: 'pro' })
window.result = flushed(uf).then((ok) => ({ ok, calls }))`
    await stack.api.faults([{ status: 503, times: 4 }])
    const html = htmlPage(`${importMap()}\n<script type="module">\n${boot}\n</script>`)
    const { page, errors } = await visit(servePage('/readme/flushed.html', html))
    const { ok, calls } = await page.waitForFunction(() => (window as any).result, undefined, { timeout: 30_000 }).then(() => page.evaluate(() => (window as any).result))
    expect(ok).toBe(true)
    // Four 503s, then stored: one call per try (a spinning loop would make thousands).
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(calls).toBeLessThanOrEqual(8)
    expect(await stack.api.accepted()).toEqual([expect.objectContaining({ properties: { plan: 'pro' } })])
    // What the spell shows on the console (the browser's failed loads, the client's one report of the
    // outage, after three sends), and nothing else.
    expect(errors.filter((line) => !/status of 503|^userflux: failed \(503/.test(line))).toEqual([])
  })

  it('React hook: useUserFlux({ id, plan }) identifies the signed-in user with the plan', async () => {
    const name = 'reactHook'
    let source = sample(name).code
    source = replaceOnce(source, 'import.meta.env.VITE_USERFLUX_WRITE_KEY', JSON.stringify(WRITE_KEY), name)
    source = replaceOnce(source, 'createClient({ ', `createClient({ endpoint: ${JSON.stringify(stack.api.url)}, `, name)
    const module = transpile(source, 'use-userflux.tsx')
    // The sample has no JSX, so nothing asks for react/jsx-runtime; only useEffect comes from React.
    expect(module).not.toContain('react/jsx-runtime')
    stack.serve('/readme/use-userflux.js', module)
    // A shim rather than React: what the sample shows is the effect keyed on the user, not React's
    // rendering, and React is not a dependency of this package. The effect runs at once, as React
    // runs it after the first render.
    stack.serve('/readme/react.js', 'export const useEffect = (effect) => { effect() }\n')
    const html = htmlPage(importMap({ react: '/readme/react.js' }))
    const { page, errors, arrived } = await visit(servePage('/readme/react.html', html))

    // A string, not a function: vitest would rewrite a function's import() for Node.
    const anonymousId = await page.evaluate(`import('/readme/use-userflux.js').then(({ useUserFlux, uf }) => {
      useUserFlux({ id: 'user-7', plan: 'pro' })
      return uf.anonymousId
    })`)
    expect(await arrived(1)).toEqual([{ userId: 'user-7', anonymousId, properties: { plan: 'pro' } }])
    expect((await stored(page)).userId).toBe('user-7')
    // "in your log-out handler: uf.reset()", with the exported client
    await page.evaluate(`import('/readme/use-userflux.js').then(({ uf }) => uf.reset())`)
    const after = await stored(page)
    expect(after.userId).toBeNull()
    expect(after.anonymousId).not.toBe(anonymousId)
    expect(errors).toEqual([])
  })

  it('plain JavaScript log-in form and log-out button, with the script tag', async () => {
    const body = [
      '<form id="loginForm"><input name="user"><button type="submit">Log in</button></form>',
      '<button id="logoutButton">Log out</button>',
      // The app's own log-in, which the sample awaits.
      "<script>async function logIn(formData) { return { id: formData.get('user'), plan: 'pro' } }</script>",
      `<script>\n${sample('plainJsLogIn').code}\n</script>`,
    ].join('\n')
    const html = htmlPage(`${sample('loaderStub').code}\n${scriptTag()}`, body)
    const url = servePage('/readme/plain-js.html', html)
    const { page, errors, ready, arrived } = await visit(url)
    await ready()
    const anonymousId = await clientAnonymousId(page)

    await page.fill('#loginForm [name=user]', 'user-9')
    await page.click('#loginForm [type=submit]')
    expect(await arrived(1)).toEqual([{ userId: 'user-9', anonymousId, properties: { plan: 'pro' } }])
    expect(page.url()).toBe(url) // preventDefault: the form did not navigate
    expect((await stored(page)).userId).toBe('user-9')

    await page.click('#logoutButton')
    const after = await stored(page)
    expect(after.userId).toBeNull()
    expect(after.anonymousId).toEqual(expect.any(String))
    expect(after.anonymousId).not.toBe(anonymousId)
    expect(errors).toEqual([])
  })

  it('opted-out script tag (a consent-first site): nothing sent until optIn(), then the update arrives', async () => {
    const name = 'optedOutTag'
    let tag = replaceOnce(sample(name).code, 'WRITE_ONLY_KEY', WRITE_KEY, name)
    tag = replaceOnce(tag, '<script ', `<script data-endpoint="${stack.api.url}" `, name)
    const { page, errors, ready, arrived } = await visit(servePage('/readme/opted-out.html', htmlPage(tag)))
    await ready()
    expect(await page.evaluate(() => (window.userflux as { hasOptedOut: boolean }).hasOptedOut)).toBe(true)
    await page.evaluate(updateProfileLine())
    await page.evaluate(() => window.userflux.flush())
    expect((await stack.api.requests()).posts).toEqual([])
    await page.evaluate(() => window.userflux.optIn())
    await page.evaluate(updateProfileLine())
    const anonymousId = await clientAnonymousId(page)
    expect(await arrived(1)).toEqual([themeUpdate(anonymousId)])
    expect(errors).toEqual([])
  })

  it("React sample: passes the hooks lint rules of Vite's React template, and type-checks with the README's vite-env.d.ts", () => {
    const source = sample('reactHook').code
    // The rules the Vite React template turns on (eslint-plugin-react-hooks' recommended set), with
    // warnings counted as failures: exhaustive-deps only warns.
    const linter = new Linter({ configType: 'flat' })
    const lint = linter.verify(
      transpile(source, 'use-userflux.tsx'),
      [{ files: ['**/*.js'], languageOptions: { ecmaVersion: 'latest', sourceType: 'module' }, plugins: { 'react-hooks': reactHooks as any }, rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' } }],
      'use-userflux.js',
    )
    expect(lint.map((message) => `${message.ruleId}: ${message.message}`)).toEqual([])

    // tsc over the sample and the README's vite-env.d.ts, with Vite's own client types; React's types
    // are not a dependency here, so a minimal useEffect declaration stands in.
    const dir = `${root}tests/.readme-react-${process.pid}/`
    mkdirSync(dir, { recursive: true })
    try {
      writeFileSync(dir + 'vite-env.d.ts', sample('viteEnv').code)
      writeFileSync(dir + 'use-userflux.tsx', source)
      writeFileSync(dir + 'react.d.ts', "declare module 'react' { export function useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void }\n")
      const program = ts.createProgram([dir + 'vite-env.d.ts', dir + 'react.d.ts', dir + 'use-userflux.tsx'], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        jsx: ts.JsxEmit.ReactJSX,
        skipLibCheck: true,
        types: [],
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        paths: { 'userflux-snippet': [root + 'src/index.ts'] },
      })
      const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.replace(dir, '') ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
      expect(problems).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('setUser, the until-stored loop, React and Next.js samples: type-check under strict and exactOptionalPropertyTypes, with React\'s types', () => {
    const dir = `${root}tests/.readme-apps-${process.pid}/`
    mkdirSync(dir + 'app', { recursive: true })
    try {
      const files: Record<string, string> = {
        'vite-env.d.ts': sample('viteEnv').code + '\ninterface ImportMetaEnv { readonly VITE_USERFLUX_ENDPOINT?: string }\n',
        'set-user.ts': `import type { UserFluxClient } from 'userflux-snippet'\ndeclare const uf: UserFluxClient\ndeclare const user: { id: string; plan: string } | null\n${sample('setUserLine').code}\n`,
        'flushed.ts': sample('flushUntilOk').code,
        'main.tsx': sample('reactProvider').code,
        'App.tsx': 'export function App() { return null }\n',
        'hooks.tsx': sample('reactHooks').code,
        'app/providers.tsx': sample('nextProviders').code,
        'app/layout.tsx': sample('nextLayout').code,
        'app/auth.ts': 'export async function getUser(): Promise<{ id: string; plan: string } | null> { return null }\n',
      }
      for (const [name, code] of Object.entries(files)) writeFileSync(dir + name, code)
      const program = ts.createProgram(
        Object.keys(files).map((name) => dir + name),
        {
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          moduleResolution: ts.ModuleResolutionKind.Bundler,
          jsx: ts.JsxEmit.ReactJSX,
          skipLibCheck: true,
          // Node's for Next.js's process.env; React's and Vite's come from the imports and the reference.
          types: ['node'],
          typeRoots: [root + 'node_modules/@types'],
          lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
          // The published declarations, as an app compiles against them (run `npm run build` first).
          paths: { 'userflux-snippet': [root + 'dist/index.d.ts'], 'userflux-snippet/react': [root + 'dist/react/index.d.ts'] },
        },
      )
      const problems = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName.replace(dir, '') ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
      expect(problems).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("Next.js rewrites: the README's next.config.js maps /uf/* to the API", async () => {
    const module = { exports: {} as { rewrites(): Promise<{ source: string; destination: string }[]> } }
    new Function('module', sample('nextRewrites').code)(module)
    expect(await module.exports.rewrites()).toEqual([{ source: '/uf/:path*', destination: 'https://integration-api.userflux.co/:path*' }])
  })

  it("Vite dev-server proxy: the README's vite.config.ts, in a real Vite server, carries the script tag's updates to the API", async () => {
    const { createServer: createViteServer } = await import('vite')
    const dir = `${root}tests/.readme-vite-${process.pid}/`
    mkdirSync(dir + 'public', { recursive: true })
    const server = await (async () => {
      try {
        const config = replaceOnce(sample('viteProxy').code, "'https://integration-api.userflux.co'", JSON.stringify(stack.api.url), 'viteProxy')
        writeFileSync(dir + 'vite.config.ts', config)
        writeFileSync(dir + 'public/userflux.min.js', await readFile(root + 'dist/userflux.min.js'))
        writeFileSync(dir + 'index.html', htmlPage(`<script async src="/userflux.min.js" data-write-key="${WRITE_KEY}" data-endpoint="/uf"></script>`))
        const port = await new Promise<number>((resolve) => {
          const probe = createServer().listen(0, '127.0.0.1', () => {
            const { port } = probe.address() as AddressInfo
            probe.close(() => resolve(port))
          })
        })
        const vite = await createViteServer({ root: dir, configFile: dir + 'vite.config.ts', logLevel: 'silent', server: { host: '127.0.0.1', port, strictPort: true } })
        await vite.listen()
        return { vite, url: `http://127.0.0.1:${port}/` }
      } catch (error) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    })()
    try {
      const { page, errors, ready, arrived } = await visit(server.url)
      await ready()
      const anonymousId = await clientAnonymousId(page)
      await page.evaluate(updateProfileLine())
      expect(await arrived(1)).toEqual([themeUpdate(anonymousId)])
      const { posts, preflights } = await stack.api.requests()
      expect(posts[0]!.headers.authorization).toBe(`Bearer ${WRITE_KEY}`)
      expect(preflights).toBe(0) // same origin as the page: no CORS preflight
      expect(errors.filter((error) => !error.includes('/@vite/'))).toEqual([])
    } finally {
      await server.vite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
