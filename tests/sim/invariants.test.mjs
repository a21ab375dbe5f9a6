import { describe, expect, test } from 'vitest'
import { fakeBundle } from './fixtures.mjs'
import { runCase } from './run-case.mjs'

/**
 * A stand-in client, one request per update, sent at once: correct for one tab on a healthy
 * network, and each `flaw` breaks exactly one invariant. Each check must be able to fail.
 */
const client = (flaw = '') =>
  fakeBundle(`
  const flaw = ${JSON.stringify(flaw)}
  const id = 'v'.repeat(21)
  const send = (properties) => fetch('https://api.test/profile', { method: 'POST', body: JSON.stringify({ ...(flaw == 'wrong-user' && { userId: 'mallory' }), anonymousId: id, properties }) })
  const optedOut = () => localStorage.getItem('uf-optOut') == '1'
  if (flaw == 'busy') setInterval(() => localStorage.setItem('uf-tick', String(Date.now())), 1000)
  window.userflux = {
    userId: null,
    anonymousId: id,
    updateProfile(properties) {
      if (flaw == 'throws') setTimeout(() => { throw new Error('ours') })
      if (flaw == 'writes-after-opt-out') localStorage.setItem('uf-queue', JSON.stringify(properties))
      if (flaw == 'drops' || (optedOut() && flaw != 'sends-after-opt-out')) return
      send(properties)
    },
    optOut() { localStorage.setItem('uf-optOut', '1') },
    optIn() { localStorage.setItem('uf-optOut', '0') },
    identify() {}, reset() {},
    flush: () => (flaw == 'hangs' ? new Promise(() => {}) : Promise.resolve({ ok: true })),
  }
  if (flaw == 'pollutes') Object.prototype.oops = 1
`)

const run = (flaw, steps) => runCase({ bundle: client(flaw), seed: 9, steps }).then(({ violations }) => [...new Set(violations.map((v) => v.invariant))])
const update = (keys = ['a']) => ({ do: 'update', tab: 0, keys })

describe('invariants catch what they promise to', () => {
  test('a correct client breaks none', async () => {
    expect(await run('', [update(), { do: 'wait', ms: 1000 }, update(['a', 'b']), { do: 'flush', tab: 0 }, { do: 'optOut', tab: 0 }, update()])).toEqual([])
  })
  test('1: a value that never arrives', async () => {
    expect(await run('drops', [update()])).toEqual([1])
  })
  test('1: but not one set before an opt-out, nor one the API refused', async () => {
    expect(await run('drops', [update(), { do: 'optOut', tab: 0 }])).toEqual([])
    expect(await run('', [{ do: 'fault', mode: '422' }, update()])).toEqual([])
  })
  test('2: a request, or a write, after the opt-out flag', async () => {
    expect(await run('sends-after-opt-out', [{ do: 'optOut', tab: 0 }, update()])).toContain(2)
    expect(await run('writes-after-opt-out', [{ do: 'optOut', tab: 0 }, update()])).toEqual([2])
  })
  test('3: a value under another user', async () => {
    expect(await run('wrong-user', [update()])).toContain(3)
  })
  test('4: an uncaught error, a polluted prototype', async () => {
    expect(await run('throws', [update()])).toEqual([4])
    expect(await run('pollutes', [update()])).toEqual([4])
  })
  test('5: a flush() that never settles', async () => {
    expect(await run('hangs', [{ do: 'flush', tab: 0 }])).toEqual([5])
  })
  test('6: a page that keeps writing while idle', async () => {
    expect(await run('busy', [update()])).toEqual([6])
  })
})
