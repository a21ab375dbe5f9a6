import { describe, expect, it } from 'vitest'
import { createClient, type Options } from '../../src/index.js'
import { normalizeOptions, OPTIONS, optionsFromDataset } from '../../src/core/options.js'
import { fakeFetch } from '../support/fake-fetch.js'
import { MemoryStorage } from '../support/memory-storage.js'

const proto = Object.prototype as Record<string, unknown>

/** Runs `task` with `Object.prototype[name] = value`, as a hostile script on the page would set it; always removed after. */
const polluted = async <T>(values: Record<string, unknown>, task: () => T | Promise<T>): Promise<T> => {
  try {
    for (const name of Object.keys(values)) proto[name] = values[name]
    return await task()
  } finally {
    for (const name of Object.keys(values)) delete proto[name]
  }
}

describe('options are read from own properties only (SPEC §14)', () => {
  it('a polluted Object.prototype.endpoint is never read', async () => {
    const { options, problems } = await polluted({ endpoint: 'https://evil.example', debug: true, fetch: () => {} }, () => normalizeOptions({ writeKey: 'wk' }))
    expect(options.endpoint).toBe('https://integration-api.userflux.co')
    expect(options.debug).toBe(false)
    expect(options.fetch).toBeUndefined()
    expect(problems).toEqual([])
    expect('endpoint' in {}).toBe(false)
  })

  it('nor a polluted writeKey: without its own, the client is inert', async () => {
    const { problems } = await polluted({ writeKey: 'stolen' }, () => normalizeOptions({} as Options))
    expect(problems.map((problem) => problem._name)).toEqual(['writeKey'])
  })

  it('every option in the table: a polluted one is never read', async () => {
    const hostile = Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, 'evil']))
    const { options } = await polluted(hostile, () => normalizeOptions({ writeKey: 'wk' }))
    const clean = normalizeOptions({ writeKey: 'wk' }).options
    for (const name of Object.keys(OPTIONS)) expect([name, (options as unknown as Record<string, unknown>)[name]]).toEqual([name, (clean as unknown as Record<string, unknown>)[name]])
  })

  it('a client of a page with a polluted endpoint sends to its own endpoint, and its key nowhere else', async () => {
    const fetch = fakeFetch()
    const requests = await polluted({ endpoint: 'https://evil.example' }, async () => {
      const uf = createClient({ writeKey: 'wk', storage: new MemoryStorage(), fetch })
      uf.updateProfile({ plan: 'pro' })
      await uf.flush()
      return fetch.requests
    })
    expect(requests.map((request) => new URL(request.url).origin)).toEqual(['https://integration-api.userflux.co'])
  })

  it('own options still work, of a null-prototype object too', () => {
    const given = Object.assign(Object.create(null), { writeKey: 'wk', endpoint: 'https://proxy.example/' })
    expect(normalizeOptions(given).options.endpoint).toBe('https://proxy.example')
  })
})

describe('a script tag’s dataset', () => {
  it('a name inherited from the prototype is not read', async () => {
    const read = await polluted({ endpoint: 'https://evil.example', optedOut: 'false', writeKey: 'stolen' }, () =>
      optionsFromDataset({ writeKey: 'wk' } as Record<string, string>),
    )
    expect(read).toEqual({ writeKey: 'wk' })
  })

  it('nor one inherited from a dataset-like object’s own prototype', () => {
    const dataset = Object.create({ endpoint: 'https://evil.example', debug: '' })
    dataset.writeKey = 'wk'
    dataset.flushInterval = '500'
    expect(optionsFromDataset(dataset)).toEqual({ writeKey: 'wk', flushInterval: 500 })
  })
})


describe('the anonymousId option follows the id rule', () => {
  // Unit finding 6 (fixed in 624ae80).
  it('one with a control character is refused by name, as options.anonymousId, and never stored', () => {
    const { options, problems } = normalizeOptions({ writeKey: 'wk', anonymousId: 'visitor\u0000' })
    expect(problems.map((problem) => problem._name)).toEqual(['anonymousId'])
    expect(options.anonymousId).toBeUndefined()
  })
  it('one over 256 characters is refused by name', () => {
    const { options, problems } = normalizeOptions({ writeKey: 'wk', anonymousId: 'x'.repeat(257) })
    expect(problems.map((problem) => problem.message)).toEqual([expect.stringMatching(/^options\.anonymousId must be a non-empty string of at most 256 characters/)])
    expect(options.anonymousId).toBeUndefined()
  })
})
