import { describe, expect, it } from 'vitest'
import { bootstrapId } from '../../src/features/bootstrap.js'
import { createClient } from '../../src/index.js'
import { createStorage } from '../../src/browser/storage.js'
import { MemoryStorage } from '../support/memory-storage.js'

describe('bootstrapId', () => {
  it('replaces the stored id', () => {
    const backing = new MemoryStorage()
    backing.setItem('uf-anonymousId', 'old')
    bootstrapId(createStorage(backing, () => {}), 'uf-anonymousId', 'from-server')
    expect(backing.getItem('uf-anonymousId')).toBe('from-server')
  })
  it('does nothing without the option', () => {
    const backing = new MemoryStorage()
    bootstrapId(createStorage(backing, () => {}), 'uf-anonymousId', undefined)
    expect(backing.writes).toBe(0)
  })
})

describe('the anonymousId option', () => {
  it('accepts any non-empty id the API accepts, spaces included', () => {
    const storage = new MemoryStorage()
    const uf = createClient({ writeKey: 'k', storage, anonymousId: 'from native app', onError: () => {} })
    expect(uf.anonymousId).toBe('from native app')
    expect(storage.getItem('uf-anonymousId')).toBe('from native app')
  })
  it.each([[''], ['x'.repeat(257)], [42], [null]])('reports %j by name and ignores it', (id) => {
    const storage = new MemoryStorage()
    storage.setItem('uf-anonymousId', 'stored')
    const errors: string[] = []
    const uf = createClient({ writeKey: 'k', storage, anonymousId: id as string, onError: (error) => errors.push(error.message) })
    expect(uf.anonymousId).toBe('stored')
    expect(errors).toEqual([expect.stringContaining('options.anonymousId')])
  })
})
