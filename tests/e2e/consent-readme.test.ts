/**
 * The README's Consent samples (issue 22), run as a site pastes them: the plain banner (with the
 * README's loader stub before it) and each tool's two script tags beside a stand-in of the tool
 * (consent-pages.ts). Changed only textually, as tests/e2e/readme.test.ts changes its samples (which
 * also holds the inventory of every README block): the local key, the local API as the endpoint,
 * the files served from /dist/.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sleep, useStack, waitInPage, WRITE_KEY } from './harness.js'
import { TOOLS } from './consent-pages.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const section = README.slice(README.indexOf('\n## Consent\n'), README.indexOf('\n## Privacy\n'))
const htmlBlocks = [...section.matchAll(/^```html\n([\s\S]*?)^```$/gm)].map(([, code]) => code!)
/** The one html block of the section that has `marker`. */
const sample = (marker: string) => {
  const found = htmlBlocks.filter((code) => code.includes(marker))
  if (found.length != 1) throw new Error(`the README's Consent section has ${found.length} html blocks with ${marker}, expected 1`)
  return found[0]!
}
const loaderStub = /<script>(![^<]*window\.userflux[^<]*)<\/script>/.exec(README)![0]

const stack = useStack()

let pageErrors: string[] = []
beforeEach(() => {
  pageErrors = []
})
afterEach(() => expect(pageErrors).toEqual([]))

const sha = (code: string) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`
let served = 0
/** Serves `head` as a page under the site's strict policy, its inline scripts allowed by hash; opens it. */
async function visit(head: string) {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>README consent sample</title></head><body>\n${head}\n</body></html>`
  const inline = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter(([, attributes]) => !/\bsrc=/.test(attributes!)).map(([, , code]) => sha(code!))
  const path = `/readme-consent/${++served}.html`
  stack.serve(path, html, { 'content-security-policy': `default-src 'self'; script-src 'self' ${inline.join(' ')}; connect-src 'self' ${stack.api.url}` })
  const page = await (await stack.newContext()).newPage()
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  await page.goto(stack.site + path)
  await waitInPage(page, () => window.userflux && !Array.isArray(window.userflux))
  return page
}
/** The sample with the local key and API, and the files from /dist/. */
const local = (code: string) =>
  code
    .replace('data-write-key="WRITE_ONLY_KEY"', `data-write-key="${WRITE_KEY}" data-endpoint="${stack.api.url}" data-flush-interval="50"`)
    .replace(/src="\/consent-/, 'src="/dist/consent-')
const nothingSent = async () => (await sleep(500), (await stack.api.requests()).posts.length == 0)
const consent = (page: Page) => page.evaluate(() => (window.userflux as { consent: string }).consent)

describe("the README's Consent samples", () => {
  it('the plain banner: shown while pending; Accept delivers what was kept; not shown again on the next page', async () => {
    const page = await visit(loaderStub + '\n' + local(sample('id="consent-banner"')))
    const banner = () => page.evaluate(() => !document.getElementById('consent-banner')!.hidden)
    await waitInPage(page, () => !document.getElementById('consent-banner')!.hidden)
    await page.evaluate(() => window.userflux.updateProfile({ theme: 'dark' }))
    expect(await nothingSent()).toBe(true)
    await page.click('#consent-accept')
    expect(await banner()).toBe(false)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{ theme: 'dark' }])
    await page.reload()
    await waitInPage(page, () => window.userflux && !Array.isArray(window.userflux))
    expect(await consent(page)).toBe('granted')
    expect(await banner()).toBe(false)
  })

  it('the plain banner: Decline sends nothing', async () => {
    const page = await visit(loaderStub + '\n' + local(sample('id="consent-banner"')))
    await waitInPage(page, () => !document.getElementById('consent-banner')!.hidden)
    await page.evaluate(() => window.userflux.updateProfile({ theme: 'dark' }))
    await page.click('#consent-decline')
    expect(await consent(page)).toBe('denied')
    expect(await nothingSent()).toBe(true)
  })

  it.each(TOOLS)("$name: the sample's two tags, pending until the tool grants", async (tool) => {
    stack.serve(`/readme-consent/${tool.name}.js`, tool.standin + '\n' + (tool.unanswered ?? ''))
    const page = await visit(`<script src="/readme-consent/${tool.name}.js"></script>\n` + local(sample(`/consent-${tool.name}.min.js`)))
    await page.evaluate(() => window.userflux.updateProfile({ step: 'before' }))
    expect(await consent(page)).toBe('pending')
    expect(await nothingSent()).toBe(true)
    await page.evaluate(tool.grant)
    // Both tags are async: an adapter that attaches after the grant reads it then.
    await waitInPage(page, () => (window.userflux as { consent: string }).consent == 'granted')
    await stack.api.waitFor((accepted) => accepted.length == 1)
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{ step: 'before' }])
  })
})
