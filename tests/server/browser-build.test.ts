/**
 * userflux-snippet/server stays out of browser builds (SPEC §12): a browser bundler (rollup with the
 * browser condition, Vite) gets dist/server.browser.js, whose bundle throws "…is for servers…" as
 * soon as it runs; edge runtimes' conditions (worker, edge-light, workerd) and Node get the real
 * build. The package is installed as an app has it: node_modules/userflux-snippet, a link to this
 * repository. Needs `npm run build`. Also prints what createProxy adds to a server bundle.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { gzipSync } from 'node:zlib'
import resolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { rollup } from 'rollup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const MESSAGE = /^userflux-snippet\/server is for servers \(Node, Next\.js route handlers, edge runtimes\), not browsers/
let app: string
beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), 'uf-server-app-'))
  mkdirSync(join(app, 'node_modules'))
  symlinkSync(new URL('../../', import.meta.url).pathname, join(app, 'node_modules/userflux-snippet'), 'dir')
  writeFileSync(join(app, 'package.json'), '{"type":"module","private":true}')
  writeFileSync(join(app, 'entry.js'), "import { createProxy } from 'userflux-snippet/server'\nglobalThis.proxy = createProxy\n")
})
afterAll(() => rmSync(app, { recursive: true, force: true }))

async function bundle(options: Parameters<typeof resolve>[0], minify = false) {
  const build = await rollup({ input: join(app, 'entry.js'), plugins: [resolve(options), ...(minify ? [terser()] : [])], logLevel: 'silent' })
  const { output } = await build.generate({ format: 'iife' })
  await build.close()
  return output[0].code
}
const run = (code: string) => {
  const context: Record<string, unknown> = {}
  runInNewContext(code, context)
  return context
}

describe('in a browser bundle: a module that says it is for servers', () => {
  it('rollup with the browser condition: the bundle throws that message when it runs', async () => {
    const code = await bundle({ browser: true })
    expect(code).not.toContain('chooseAuthorization')
    expect(() => run(code)).toThrow(MESSAGE)
  })

  it('Vite: the same', async () => {
    const { build } = await import('vite')
    const result = await build({
      root: app,
      configFile: false,
      logLevel: 'silent',
      build: { write: false, minify: false, lib: { entry: join(app, 'entry.js'), formats: ['iife'], name: 'app' } },
    })
    const outputs = (Array.isArray(result) ? result : [result]) as { output: { code?: string }[] }[]
    const code = outputs.flatMap(({ output }) => output.map((chunk) => chunk.code ?? '')).join('')
    expect(code).toContain('userflux-snippet/server is for servers')
    expect(() => run(code)).toThrow(MESSAGE)
  })
})

it('the browser module names every export of the real one, so that a browser bundle builds and meets the message', async () => {
  const real = Object.keys(await import('userflux-snippet/server')).sort()
  const stub = readFileSync(new URL('../../dist/server.browser.js', import.meta.url), 'utf8')
  const names = [...stub.matchAll(/unavailable as (\w+)/g)].map((match) => match[1]).sort()
  expect(names).toEqual(real)
})

describe('edge runtimes and Node: the real one', () => {
  it.each([[['worker']], [['edge-light']], [['workerd']]])('%j before browser (as their bundlers ask)', async (conditions) => {
    const code = await bundle({ browser: true, exportConditions: conditions })
    expect(typeof run(code).proxy).toBe('function')
  })

  it('Node: what createProxy adds to a server bundle (minified, gzip)', async () => {
    const code = await bundle({ exportConditions: ['node'] }, true)
    expect(typeof run(code).proxy).toBe('function')
    const gzip = gzipSync(code, { level: 9 }).length
    console.log(`createProxy in a server bundle: ${code.length} B minified, ${gzip} B gzip`)
    // Small, as everything here is: a bound to notice it growing, not a budget.
    expect(gzip).toBeLessThan(4096)
  })
})
