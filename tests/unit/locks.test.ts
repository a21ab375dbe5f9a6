import { afterEach, describe, expect, it, vi } from 'vitest'
import { hasLocks, holdLock, ifLocksFree, withLock } from '../../src/browser/locks.js'
import { FakeLocks } from '../support/fake-locks.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 0))
afterEach(() => vi.unstubAllGlobals())

describe('a LockManager whose request throws at once (a page that replaced it, issue 25 case 13)', () => {
  it('nothing throws: withLock runs the task without the lock, holdLock and ifLocksFree let it be', async () => {
    vi.stubGlobal('navigator', { locks: { request: () => { throw new Error('locks boom') } } })
    const task = vi.fn(async () => 'done')
    expect(await withLock('l', task)).toBe('done')
    expect(task).toHaveBeenCalledOnce()
    expect(() => holdLock('page', vi.fn())).not.toThrow()
    const free = vi.fn()
    expect(() => ifLocksFree(['a'], free)).not.toThrow()
    await tick()
    expect(free).toHaveBeenCalledWith([])
  })
  it('a navigator.locks getter that throws is no Web Locks', () => {
    vi.stubGlobal('navigator', Object.defineProperty({}, 'locks', { get: () => { throw new Error('no') } }))
    expect(hasLocks()).toBe(false)
  })
})

describe('without Web Locks (old browsers, insecure origins)', () => {
  it('withLock runs the task at once, holdLock calls onHeld at once, ifLocksFree tries nothing', async () => {
    vi.stubGlobal('navigator', {})
    expect(hasLocks()).toBe(false)
    const task = vi.fn(async () => 'done')
    expect(await withLock('l', task)).toBe('done')
    expect(task).toHaveBeenCalledOnce()
    const onHeld = vi.fn()
    const release = holdLock('page', onHeld)
    // At once, synchronously: there is nothing to wait for.
    expect(onHeld).toHaveBeenCalledOnce()
    expect(() => release()).not.toThrow()
    const free = vi.fn()
    expect(ifLocksFree(['a'], free)).toBe(false)
    await tick()
    expect(free).not.toHaveBeenCalled()
  })
  it('no navigator at all (SSR) is the same', () => {
    vi.stubGlobal('navigator', undefined)
    expect(hasLocks()).toBe(false)
  })
})

describe('with Web Locks', () => {
  it('withLock runs tasks one at a time, in order', async () => {
    const locks = new FakeLocks()
    vi.stubGlobal('navigator', { locks })
    expect(hasLocks()).toBe(true)
    const order: string[] = []
    const job = (label: string) => async () => {
      order.push(label + ' start')
      await tick()
      order.push(label + ' end')
      return label
    }
    expect(await Promise.all([withLock('l', job('a')), withLock('l', job('b'))])).toEqual(['a', 'b'])
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end'])
  })

  it('a task that ran and failed is never run again (it would send twice): it settles as undefined', async () => {
    vi.stubGlobal('navigator', { locks: new FakeLocks() })
    const task = vi.fn(async () => {
      throw new Error('inside the lock')
    })
    expect(await withLock('l', task)).toBeUndefined()
    expect(task).toHaveBeenCalledOnce()
  })

  it('a request that fails before the task ran (an opaque origin) runs it once without the lock', async () => {
    vi.stubGlobal('navigator', { locks: { request: () => Promise.reject(new DOMException('opaque', 'SecurityError')) } })
    const task = vi.fn(async () => 'ran')
    expect(await withLock('l', task)).toBe('ran')
    expect(task).toHaveBeenCalledOnce()
  })

  it('holdLock calls onHeld once held, and holds until released', async () => {
    const locks = new FakeLocks()
    vi.stubGlobal('navigator', { locks })
    const onHeld = vi.fn()
    const release = holdLock('page-1', onHeld)
    expect(onHeld).not.toHaveBeenCalled()
    await tick()
    expect(onHeld).toHaveBeenCalledOnce()
    expect(locks.held.has('page-1')).toBe(true)
    release()
    await tick()
    expect(locks.held.has('page-1')).toBe(false)
  })

  it('ifLocksFree answers with the free ones in one step, holding them while the task runs', async () => {
    const locks = new FakeLocks()
    vi.stubGlobal('navigator', { locks })
    const release = holdLock('alive')
    await tick()
    let seen: string[] | undefined
    let heldDuring: boolean[] = []
    expect(
      ifLocksFree(['closed-1', 'alive', 'closed-2'], (free) => {
        seen = free
        heldDuring = ['closed-1', 'closed-2'].map((name) => locks.held.has(name))
      }),
    ).toBe(true)
    await tick()
    await tick()
    expect(seen?.sort()).toEqual(['closed-1', 'closed-2'])
    expect(heldDuring).toEqual([true, true])
    await tick()
    expect([...locks.held]).toEqual(['alive'])
    release()
  })
})
