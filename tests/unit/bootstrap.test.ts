import { describe, expect, it } from 'vitest'
import { bootstrapId } from '../../src/bootstrap.js'
import type { UserFluxError } from '../../src/errors.js'
import { createStorage } from '../../src/storage.js'
import { MemoryStorage } from '../support/memory-storage.js'

describe('bootstrapId', () => {
  it('replaces the stored id', () => {
    const backing = new MemoryStorage()
    backing.setItem('uf-anonymousId', 'old')
    bootstrapId(createStorage(backing, () => {}), 'uf-anonymousId', 'from-server', () => {})
    expect(backing.getItem('uf-anonymousId')).toBe('from-server')
  })
  it.each([[''], ['has space'], ['x'.repeat(257)], [42], [null]])('reports %j by name and ignores it', (id) => {
    const backing = new MemoryStorage()
    const errors: UserFluxError[] = []
    bootstrapId(createStorage(backing, () => {}), 'uf-anonymousId', id, (error) => errors.push(error))
    expect(backing.getItem('uf-anonymousId')).toBeNull()
    expect(errors.map((error) => [error.code, error.message])).toEqual([['invalid-argument', expect.stringContaining('options.anonymousId')]])
  })
  it('does nothing without the option', () => {
    const backing = new MemoryStorage()
    bootstrapId(createStorage(backing, () => {}), 'uf-anonymousId', undefined, () => {})
    expect(backing.writes).toBe(0)
  })
})
