import { afterEach, describe, expect, test } from 'vitest'
import { fakeWorld } from './fixtures.mjs'

let world
afterEach(() => world?.dispose())

describe('localStorage of one origin', () => {
  test('storage events reach the other tabs only, later, in the order of the writes', async () => {
    world = fakeWorld({ storageEventDelay: 5 })
    const [a, b, c] = [await world.open(), await world.open(), await world.open()]
    const seen = new Map([a, b, c].map((tab) => [tab, []]))
    for (const tab of [a, b, c]) tab.window.addEventListener('storage', (event) => seen.get(tab).push([event.key, event.oldValue, event.newValue, event.storageArea === tab.window.localStorage]))
    a.window.localStorage.setItem('x', '1')
    a.window.localStorage.setItem('x', '1') // the same value: no change, no event
    a.window.localStorage.setItem('x', '2')
    a.window.localStorage.removeItem('x')
    expect(seen.get(b)).toEqual([]) // not during the writing task
    expect(b.window.localStorage.getItem('x')).toBe(null) // but the value is shared at once
    await world.wait(5)
    const expected = [['x', null, '1', true], ['x', '1', '2', true], ['x', '2', null, true]]
    expect(seen.get(b)).toEqual(expected)
    expect(seen.get(c)).toEqual(expected)
    expect(seen.get(a)).toEqual([])
  })

  test('when full, a growing setItem throws QuotaExceededError and changes nothing; shrinking still works', async () => {
    world = fakeWorld()
    const tab = await world.open()
    const storage = tab.window.localStorage
    storage.setItem('q', 'abcd')
    await world.setStorageFull(true)
    expect(() => storage.setItem('q', 'abcde')).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }))
    expect(() => storage.setItem('new', '1')).toThrow(expect.objectContaining({ name: 'QuotaExceededError' }))
    expect(storage.getItem('q')).toBe('abcd')
    storage.setItem('q', 'ab')
    expect(storage.getItem('q')).toBe('ab')
    await world.setStorageFull(false)
    storage.setItem('new', '1')
    expect(storage.length).toBe(2)
  })

  test('a tab in the back/forward cache gets the events it missed once restored, in order', async () => {
    world = fakeWorld()
    const [a, b] = [await world.open(), await world.open()]
    const seen = []
    b.window.addEventListener('storage', (event) => seen.push(event.newValue))
    await world.leave(b)
    a.window.localStorage.setItem('k', '1')
    a.window.localStorage.setItem('k', '2')
    await world.wait(100)
    expect(seen).toEqual([])
    await world.restore(b)
    expect(seen).toEqual(['1', '2'])
  })

  test('BroadcastChannel: every other channel of the name gets a clone, later, in order; not the sender', async () => {
    world = fakeWorld()
    const [a, b] = [await world.open(), await world.open()]
    const seen = []
    const sender = new a.window.BroadcastChannel('uf')
    const sameTab = new a.window.BroadcastChannel('uf')
    const other = new b.window.BroadcastChannel('uf')
    new b.window.BroadcastChannel('another').onmessage = () => seen.push('wrong name')
    sender.onmessage = () => seen.push('sender')
    sameTab.onmessage = (event) => seen.push(['a', event.data])
    other.addEventListener('message', (event) => seen.push(['b', event.data]))
    const data = { n: 1 }
    sender.postMessage(data)
    sender.postMessage({ n: 2 })
    expect(seen).toEqual([])
    await world.wait(0)
    expect(seen).toEqual([['a', { n: 1 }], ['b', { n: 1 }], ['a', { n: 2 }], ['b', { n: 2 }]])
    expect(seen[0][1]).not.toBe(data)
  })

  test('document.cookie is shared by the tabs; max-age=0 deletes', async () => {
    world = fakeWorld()
    const [a, b] = [await world.open(), await world.open()]
    a.window.document.cookie = 'uf-anonymousId=abc;path=/;domain=shop.test;max-age=100'
    a.window.document.cookie = 'other=1'
    expect(b.window.document.cookie).toBe('uf-anonymousId=abc; other=1')
    b.window.document.cookie = 'uf-anonymousId=;path=/;max-age=0'
    expect(a.window.document.cookie).toBe('other=1')
  })
})
