import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createLogger, debugSwitchedOn, describe as describeEntry, HIDDEN } from '../../src/core/log.js'
import { UserFluxError } from '../../src/core/errors.js'
import { MemoryStorage } from '../support/memory-storage.js'

let flags: MemoryStorage
let log: ReturnType<typeof vi.spyOn>

const entry = { userId: 'u-1', anonymousId: 'anon', locationEnrichment: false, properties: { email: 'a@b.example', plan: 'pro' }, stamps: new Map(), bytes: 40, firstStamp: 1 }
const page = (search: string) => vi.stubGlobal('location', { search })
const printed = () => JSON.stringify(log.mock.calls)

beforeEach(() => {
  flags = new MemoryStorage()
  vi.stubGlobal('localStorage', flags)
  page('')
  log = vi.spyOn(console, 'log').mockImplementation(() => {})
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('debugSwitchedOn', () => {
  it.each([
    ['', undefined],
    ['?uf_debug=1', 'url'],
    ['?a=1&uf_debug=true', 'url'],
    ['?uf_debug=1&b=2', 'url'],
    ['?uf_debug=0', undefined],
    ['?uf_debug=10', undefined],
    ['?xuf_debug=1', undefined],
  ])('%j → %s', (search, mode) => {
    page(search)
    expect(debugSwitchedOn()).toBe(mode)
  })
  it("localStorage 'uf-debug' = '1' is 'storage', whatever the URL", () => {
    flags.setItem('uf-debug', '1')
    expect(debugSwitchedOn()).toBe('storage')
    page('?uf_debug=1')
    expect(debugSwitchedOn()).toBe('storage')
  })
  it('storage that throws is no switch, and no problem', () => {
    vi.stubGlobal('localStorage', { getItem: () => { throw new DOMException('denied', 'SecurityError') } })
    page('?uf_debug=1')
    expect(debugSwitchedOn()).toBeUndefined()
  })
})

describe('what is logged', () => {
  it('switched on by a link (URL mode): what happens and the property names, never their values', () => {
    page('?uf_debug=1')
    createLogger(false)._log('queued', entry)
    expect(log).toHaveBeenCalledOnce()
    expect(log.mock.calls[0]).toEqual(['[userflux]', 'queued', { userId: 'u-1', anonymousId: 'anon', properties: { email: HIDDEN, plan: HIDDEN }, locationEnrichment: false }])
    expect(printed()).not.toContain('a@b.example')
    expect(printed()).not.toContain('"pro"')
  })

  it("switched on from the console (storage mode): values shown", () => {
    flags.setItem('uf-debug', '1')
    createLogger(false)._log('queued', entry)
    expect(log.mock.calls[0]).toEqual(['[userflux]', 'queued', { userId: 'u-1', anonymousId: 'anon', properties: { email: 'a@b.example', plan: 'pro' }, locationEnrichment: false }])
  })

  it('with the debug option (the site chose it): values shown, even with ?uf_debug=1 in the URL', () => {
    page('?uf_debug=1')
    createLogger(true)._log('queued', entry)
    expect(printed()).toContain('a@b.example')
  })

  it('nothing without a switch', () => {
    createLogger(false)._log('queued', entry)
    expect(log).not.toHaveBeenCalled()
  })

  it('hides values under hostile names too, and never sets a prototype', () => {
    const properties = JSON.parse('{"__proto__":{"secret":1},"constructor":"c","toString":"t"}')
    const shown = describeEntry({ anonymousId: 'a', properties }, true) as { properties: Record<string, unknown> }
    expect(Object.getOwnPropertyDescriptor(shown.properties, '__proto__')?.value).toBe(HIDDEN)
    expect(Object.keys(shown.properties)).toEqual(['__proto__', 'constructor', 'toString'])
    expect(shown.properties.constructor).toBe(HIDDEN)
    expect((shown.properties as { secret?: unknown }).secret).toBeUndefined()
    expect(JSON.stringify(shown)).not.toContain('secret')
  })

  it('text is shown without the userflux: prefix; other values as they are', () => {
    expect(describeEntry('userflux: sent')).toBe('sent')
    expect(describeEntry(3)).toBe(3)
    expect(describeEntry({ anonymousId: 5, properties: {} })).toEqual({ anonymousId: 5, properties: {} })
  })
})

describe('_report', () => {
  it('goes to onError, or the console without one', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const onError = vi.fn()
    createLogger(false, onError)._report(new UserFluxError('storage', 'x'))
    expect(onError).toHaveBeenCalledOnce()
    expect(error).not.toHaveBeenCalled()
    createLogger(false)._report(new UserFluxError('storage', 'y'))
    expect(error).toHaveBeenCalledExactlyOnceWith('userflux: y')
  })
})
