/**
 * The loader stub ships three ways that must be one: dist/stub.js (built from src/stub.js), the
 * README's inline copy (whose sha256 the build prints for a CSP), and the demo's hosted copy. Its
 * behaviour in a real page is tested in tests/e2e/script-tag.test.ts.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const read = (path: string) => readFileSync(root + path, 'utf8')
const readmeStub = () => /<script>(![^<]*window\.userflux[^<]*)<\/script>/.exec(read('README.md'))?.[1]

describe('loader stub', () => {
  it('dist/stub.js is built (run npm run build first)', () => {
    expect(existsSync(root + 'dist/stub.js')).toBe(true)
  })
  it("the README's inline copy is dist/stub.js, byte for byte", () => {
    expect(readmeStub()).toBe(read('dist/stub.js').trim())
  })
  it("the demo's hosted copy is dist/stub.js", () => {
    expect(read('demo/site/public/stub.js')).toContain(read('dist/stub.js').trim())
  })
  it('has no eval, and defines no global but window.userflux', () => {
    const stub = read('dist/stub.js')
    expect(stub).not.toMatch(/\beval\b|new Function|setTimeout\(["']/)
    expect(stub).toMatch(/^!function\(\)\{/)
  })
  it("every CSP hash the README prints for the stub is the built stub's (the hash a browser computes)", () => {
    const built = 'sha256-' + createHash('sha256').update(read('dist/stub.js').trim()).digest('base64')
    const printed = [...read('README.md').matchAll(/'(sha256-[A-Za-z0-9+/]+=*)'/g)].map((match) => match[1])
    // Next to the stub in the quick start, and in the Content-Security-Policy section.
    expect(printed.length).toBeGreaterThanOrEqual(2)
    expect(new Set(printed)).toEqual(new Set([built]))
    const stubBlock = read('README.md').indexOf('window.userflux=[]')
    const besideIt = read('README.md').indexOf(built, stubBlock)
    expect(besideIt - stubBlock).toBeGreaterThan(0)
    expect(besideIt - stubBlock).toBeLessThan(800)
  })
  it("the build prints the CSP hash of the README's inline copy", () => {
    const output = execFileSync('npx', ['rollup', '-c', '--silent'], { cwd: root, env: { ...process.env, UF_BUILD: 'stub' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const hash = createHash('sha256').update(readmeStub()!).digest('base64')
    expect(output).toContain(`README loader stub (inline): script-src 'sha256-${hash}'`)
  }, 120_000)
})
