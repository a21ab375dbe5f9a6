import { afterEach, describe, expect, test } from 'vitest'
import { fakeWorld } from './fixtures.mjs'

let world
afterEach(() => world?.dispose())

/** Holds `name` in `tab` until the returned function is called. */
const hold = (tab, name, log) => {
  let release
  tab.window.navigator.locks.request(name, (lock) => {
    log.push(`${tab.id} got ${lock?.name}`)
    return new Promise((resolve) => (release = resolve))
  })
  return () => release()
}

describe('Web Locks', () => {
  test('one holder at a time, granted in request order, released when the callback settles', async () => {
    world = fakeWorld()
    const [a, b, c] = [await world.open(), await world.open(), await world.open()]
    const log = []
    const releaseA = hold(a, 'L', log)
    await world.wait(0)
    const releaseB = hold(b, 'L', log)
    hold(c, 'L', log)
    await world.wait(0)
    expect(log).toEqual(['1 got L'])
    releaseA()
    await world.wait(0)
    expect(log).toEqual(['1 got L', '2 got L'])
    releaseB()
    await world.wait(0)
    expect(log).toEqual(['1 got L', '2 got L', '3 got L'])
  })

  test('ifAvailable answers null while held, and the request() promise settles with the result', async () => {
    world = fakeWorld()
    const [a, b] = [await world.open(), await world.open()]
    const log = []
    hold(a, 'L', log)
    await world.wait(0)
    let result
    b.window.navigator.locks.request('L', { ifAvailable: true }, (lock) => lock).then((value) => (result = value))
    await world.wait(0)
    expect(result).toBe(null)
    b.window.navigator.locks.request('free', { ifAvailable: true }, (lock) => lock.name).then((value) => (result = value))
    await world.wait(0)
    expect(result).toBe('free')
  })

  test("a crash releases the tab's locks and drops its queued requests", async () => {
    world = fakeWorld()
    const [a, b, c] = [await world.open(), await world.open(), await world.open()]
    const log = []
    hold(a, 'L', log)
    await world.wait(0)
    hold(b, 'L', log)
    hold(c, 'L', log)
    await world.crash(b) // queued, never granted
    await world.crash(a) // holding
    await world.wait(0)
    expect(log).toEqual(['1 got L', '3 got L'])
    expect(world.locks.held.get('L')).toBe(c)
  })

  test('a page in the back/forward cache keeps its locks, and is evicted when another page asks for one', async () => {
    world = fakeWorld()
    const [a, b] = [await world.open(), await world.open()]
    const log = []
    hold(a, 'L', log)
    await world.wait(0)
    await world.leave(a)
    await world.wait(1000)
    expect(world.locks.held.get('L')).toBe(a)
    hold(b, 'L', log)
    await world.wait(0)
    expect(a.closed).toBe(true)
    expect(log).toEqual(['1 got L', '2 got L'])
  })

  test('without Web Locks navigator.locks is undefined', async () => {
    world = fakeWorld({ withLocks: false })
    const tab = await world.open()
    expect(tab.window.navigator.locks).toBeUndefined()
    expect(tab.window.eval('typeof navigator.locks')).toBe('undefined')
  })
})
