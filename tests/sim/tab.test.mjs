import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { fakeBundle, fakeWorld } from './fixtures.mjs'
import { createWorld } from './world.mjs'

let world
afterEach(() => world?.dispose())

// Records the page events a tab sees, and what its script tag was given.
const RECORDER = `
  window.seen = []
  window.dataAtLoad = { ...document.currentScript.dataset }
  for (const type of ['pagehide', 'pageshow', 'online', 'offline']) addEventListener(type, (event) => seen.push(type + (event.persisted ? ' persisted' : '')))
  document.addEventListener('visibilitychange', () => seen.push(document.visibilityState))
  window.userflux = {}
`

describe('a simulated tab', () => {
  test('the script tag sees its data-* options as currentScript.dataset, only while it runs', async () => {
    world = fakeWorld({ dataset: { writeKey: 'k', flushInterval: '0' } }, RECORDER)
    const tab = await world.open()
    expect({ ...tab.window.dataAtLoad }).toEqual({ writeKey: 'k', flushInterval: '0' })
    expect(tab.window.document.currentScript).toBe(null)
  })

  test('the lifecycle: hide/show, back/forward cache, close, crash, reload, online/offline', async () => {
    world = fakeWorld({}, RECORDER)
    const tab = await world.open()
    await world.hide(tab)
    await world.show(tab)
    await world.leave(tab)
    await world.restore(tab)
    await world.setOnline(false)
    await world.setOnline(true)
    expect([...tab.window.seen]).toEqual(['hidden', 'visible', 'pagehide persisted', 'hidden', 'visible', 'pageshow persisted', 'offline', 'online'])
    const next = await world.reload(tab)
    expect(tab.window.seen.slice(-2)).toEqual(['pagehide', 'hidden'])
    expect(tab.closed).toBe(true)
    expect(next.window).not.toBe(tab.window)
    tab.window.localStorage.setItem('shared', '1')
    expect(next.window.localStorage.getItem('shared')).toBe('1')
    const memory = await world.open({ storage: 'memory' }, { sandboxed: true })
    const reloaded = await world.reload(memory)
    expect([reloaded.memoryOnly, reloaded.sandboxed, reloaded.window.document.currentScript]).toEqual([true, true, null])
    const before = next.window.seen.length
    await world.crash(next)
    expect(next.window.seen.length).toBe(before) // a crash fires nothing
    expect(next.closed).toBe(true)
  })

  test("the wall clock can jump back while performance.now() and timers keep virtual time", async () => {
    world = fakeWorld()
    const tab = await world.open()
    const { window } = tab
    const wall = window.Date.now()
    let fired = 0
    window.setTimeout(() => fired++, 1000)
    await world.jump(-86_400_000)
    expect(window.Date.now()).toBe(wall - 86_400_000)
    expect(new window.Date().getTime()).toBe(wall - 86_400_000)
    expect(window.eval('new Date() instanceof Date')).toBe(true)
    await world.wait(1000)
    expect(fired).toBe(1)
    expect(window.performance.now()).toBe(1000)
    expect(window.Date.now()).toBe(wall - 86_400_000 + 1000)
    // AbortSignal.timeout() follows virtual time too.
    const signal = window.AbortSignal.timeout(500)
    expect(signal instanceof window.AbortSignal).toBe(true)
    await world.wait(499)
    expect(signal.aborted).toBe(false)
    await world.wait(1)
    expect(signal.reason.name).toBe('TimeoutError')
  })

  test('uncaught errors are recorded: a throwing timer, listener or microtask, an unhandled rejection', async () => {
    world = fakeWorld(
      {},
      `setTimeout(() => { throw new Error('timer') }, 10)
       addEventListener('online', () => { throw new Error('listener') })
       queueMicrotask(() => { throw new Error('microtask') })
       Promise.reject(new Error('rejection'))
       window.userflux = {}`,
    )
    const tab = await world.open()
    await world.setOnline(false)
    await world.setOnline(true)
    await world.wait(100)
    const errors = tab.uncaught.map(({ error }) => error.split('\n')[0])
    expect(errors).toEqual(expect.arrayContaining([expect.stringContaining('timer'), expect.stringContaining('listener'), expect.stringContaining('microtask'), expect.stringContaining('rejection')]))
  })

  test('a changed built-in prototype is seen; an untouched realm shows nothing', async () => {
    world = fakeWorld({}, `Object.prototype.polluted = 1; Array.prototype.map = () => []; Math = {}; window.userflux = {}`)
    const tab = await world.open()
    expect(tab.prototypesChanged()).toEqual(['Object.prototype.polluted', 'Array.prototype.map', 'Math (replaced)'])
    world.dispose()
    world = fakeWorld()
    expect((await world.open()).prototypesChanged()).toEqual([])
  })

  test('runs the real bundle as a desktop Chrome, not a crawler (the client is not inert)', async () => {
    const bundle = fileURLToPath(new URL('../fixtures/bundles/userflux-f12cb4f.min.js', import.meta.url))
    world = createWorld({ seed: 3, bundle, dataset: { writeKey: 'k', endpoint: 'https://api.test' } })
    const tab = await world.open()
    await world.act(tab, (tab) => tab.client.updateProfile(tab.own({ a: 1 })))
    expect(tab.client.anonymousId).toMatch(/^[\w-]{21}$/)
    await world.wait(2000)
    expect(world.server.applied.map((entry) => entry.update.properties)).toEqual([{ a: 1 }])
    expect(tab.logs).toEqual([])
  })

  test('a sandboxed frame (opaque origin): storage and cookies throw SecurityError, Web Locks reject', async () => {
    world = fakeWorld()
    const tab = await world.open(undefined, { sandboxed: true })
    expect(() => tab.window.localStorage).toThrow(expect.objectContaining({ name: 'SecurityError' }))
    expect(() => tab.window.document.cookie).toThrow(expect.objectContaining({ name: 'SecurityError' }))
    await expect(tab.window.navigator.locks.request('L', () => {})).rejects.toMatchObject({ name: 'SecurityError' })
    expect(world.storage.map.size).toBe(0)
  })

  test('the same seed replays the same run', async () => {
    const run = async () => {
      const w = createWorld({ seed: 5, bundle: fakeBundle('window.userflux = { id: crypto.getRandomValues(new Uint8Array(4)).join(), r: Math.random() }'), dataset: {} })
      const tab = await w.open()
      w.dispose()
      return [tab.client.id, tab.client.r]
    }
    expect(await run()).toEqual(await run())
  })
})
