import { describe, expect, it, vi } from 'vitest'
import { createStorage } from '../../src/browser/storage.js'
import { holdWrites } from '../../src/core/consent-hold.js'
import { MemoryStorage } from '../support/memory-storage.js'

const setup = () => {
  const backing = new MemoryStorage()
  const inner = createStorage(backing, vi.fn())
  let holding = true
  const held = holdWrites(inner, () => holding)
  return { backing, inner, held, stop: () => (holding = false) }
}

describe('holdWrites: the pending consent overlay', () => {
  it('keeps writes in memory while holding; reads see them first', () => {
    const { backing, held } = setup()
    backing.data.set('gone', 'stored')
    held._set('a', '1')
    held._set('a', '2')
    held._remove('gone')
    expect(held._get('a')).toBe('2')
    expect(held._get('gone')).toBeNull()
    expect(backing.writes).toBe(0)
    expect([...backing.data]).toEqual([['gone', 'stored']])
  })

  it('writes out what it held on release(true), removals included', () => {
    const { backing, held, stop } = setup()
    backing.data.set('gone', 'stored')
    held._set('a', '1')
    held._remove('gone')
    stop()
    expect(held._release(true)).toBe(2)
    expect(Object.fromEntries(backing.data)).toEqual({ a: '1' })
    // Released: nothing left to hold, and later writes go straight through.
    expect(held._release(true)).toBe(0)
    held._set('b', '2')
    expect(backing.data.get('b')).toBe('2')
  })

  it('drops what it held on release(false)', () => {
    const { backing, held, stop } = setup()
    held._set('a', '1')
    stop()
    expect(held._release(false)).toBe(1)
    expect(held._get('a')).toBeNull()
    expect(backing.writes).toBe(0)
  })

  it('leaves a key another tab changed meanwhile as that tab wrote it', () => {
    const { backing, held, stop } = setup()
    held._set('uf-anonymousId', 'this-page')
    held._set('uf-userId', 'bob')
    // Another tab (the one where the visitor said yes) stored its visitor first.
    backing.data.set('uf-anonymousId', 'other-tab')
    stop()
    held._release(true)
    expect(backing.data.get('uf-anonymousId')).toBe('other-tab')
    expect(backing.data.get('uf-userId')).toBe('bob')
  })

  it('overwrites a value that was there before it held the key, when nobody changed it since', () => {
    const { backing, held, stop } = setup()
    backing.data.set('uf-userId', 'alice')
    held._set('uf-userId', 'bob')
    expect(held._get('uf-userId')).toBe('bob')
    stop()
    held._release(true)
    expect(backing.data.get('uf-userId')).toBe('bob')
  })
  it('once not holding, passes keepOnFailure on: a write that hits the quota leaves the stored record (issue 25 case 10)', () => {
    const { backing, held, stop } = setup()
    stop()
    backing.data.set('uf-delivered-v1|k', 'record')
    backing.failWrites = true
    expect(held._set('uf-delivered-v1|k', 'newer', false, true)).toBe(false)
    expect(backing.data.get('uf-delivered-v1|k')).toBe('record')
    held._set('uf-delivered-v1|k', 'newer')
    expect(backing.data.has('uf-delivered-v1|k')).toBe(false)
  })
})
