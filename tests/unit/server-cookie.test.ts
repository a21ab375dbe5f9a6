/**
 * The client side of the server's visitor-id cookie (src/browser/server-cookie.ts, SPEC §12): read
 * at start when storage has no id, validated, never written a value, expired on reset()/optOut()
 * and when storage disagrees; and no writeKey needed with an endpoint path of the page's origin.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createClient } from '../../src/index.js'
import { FakeCookies } from '../support/fake-cookies.js'
import { MemoryStorage } from '../support/memory-storage.js'

let cookies: FakeCookies
let storage: MemoryStorage
beforeEach(() => {
  cookies = new FakeCookies('www.example.test')
  storage = new MemoryStorage()
  vi.stubGlobal('document', Object.assign(cookies, { addEventListener() {}, visibilityState: 'visible' }))
  vi.stubGlobal('addEventListener', () => {})
  vi.stubGlobal('location', { href: 'https://www.example.test/page', origin: 'https://www.example.test', hostname: 'www.example.test', protocol: 'https:', search: '' })
})
afterEach(() => vi.unstubAllGlobals())

const NAME = 'uf-server-anonymousId'
/** What the proxy's Set-Cookie leaves in the jar (host-only). */
const serverSets = (value: string, name = NAME) => cookies.jar.set(name + ' ', [name, value])
const client = (options: Record<string, unknown> = {}) => createClient({ writeKey: 'k', storage, fetch: async () => new Response(null, { status: 204 }), flushInterval: 1e9, onError: () => {}, ...options })
const serverWrites = () => cookies.writes.filter((write) => write.startsWith(NAME + '='))

describe('at start', () => {
  it('storage lost its id: the cookie\'s id, percent-decoded, without the day; stored again', () => {
    serverSets('Jos%C3%A9%20Garc%C3%ADa.20424')
    expect(client().anonymousId).toBe('José García')
    expect(storage.getItem('uf-anonymousId')).toBe('José García')
    expect(serverWrites()).toEqual([])
  })

  it('storage has the same id: nothing written anywhere', () => {
    storage.setItem('uf-anonymousId', 'a1')
    serverSets('a1.20424')
    const writes = storage.writes
    expect(client().anonymousId).toBe('a1')
    expect(storage.writes).toBe(writes)
    expect(cookies.writes).toEqual([])
  })

  it('storage has another id: storage wins, the cookie is expired (never given a value)', () => {
    storage.setItem('uf-anonymousId', 'new-after-reset')
    serverSets('old.20424')
    expect(client().anonymousId).toBe('new-after-reset')
    expect(serverWrites()).toEqual([`${NAME}=;path=/;max-age=0`])
    expect(cookies.value(NAME, '')).toBeUndefined()
  })

  it('the anonymousId option wins over the cookie', () => {
    serverSets('from-cookie.20424')
    expect(client({ anonymousId: 'from-option' }).anonymousId).toBe('from-option')
  })

  it('a storagePrefix names the cookie it reads', () => {
    serverSets('s1.20424', 'shop-server-anonymousId')
    serverSets('u1.20424')
    expect(client({ storagePrefix: 'shop' }).anonymousId).toBe('s1')
  })

  it.each([
    ['empty', '.20424'],
    ['spaces', '%20%20.20424'],
    ['over 256 characters', 'x'.repeat(257) + '.20424'],
    ['bad percent-encoding', '%E0%A4%A.20424'],
  ])('an invalid cookie (%s) is ignored: a new id', (_, value) => {
    serverSets(value)
    const id = client().anonymousId
    expect(id).toMatch(/^[\w-]{21}$/)
  })

  it('not the cookieDomain mirror: uf-anonymousId is another cookie', () => {
    serverSets('server-id.20424')
    const uf = client({ cookieDomain: 'example.test' })
    expect(uf.anonymousId).toBe('server-id')
    expect(cookies.value('uf-anonymousId', 'example.test')).toBe('server-id')
    expect(serverWrites()).toEqual([])
  })
})

describe('reset() and optOut() expire it, so a purged storage cannot bring the old visitor back', () => {
  it('reset()', () => {
    serverSets('a1.20424')
    const uf = client()
    uf.reset()
    expect(serverWrites()).toEqual([`${NAME}=;path=/;max-age=0`])
    expect(cookies.value(NAME, '')).toBeUndefined()
    storage.clear()
    expect(client().anonymousId).not.toBe('a1')
  })

  it('optOut()', () => {
    serverSets('a1.20424')
    client().optOut()
    expect(cookies.value(NAME, '')).toBeUndefined()
    expect(serverWrites().every((write) => write.startsWith(`${NAME}=;`))).toBe(true)
  })

  it('a document.cookie that throws (sandboxed frame) throws nowhere', () => {
    vi.stubGlobal('document', {
      addEventListener() {},
      get cookie(): string {
        throw new DOMException('sandboxed', 'SecurityError')
      },
      set cookie(_: string) {
        throw new DOMException('sandboxed', 'SecurityError')
      },
    })
    const errors: string[] = []
    const uf = client({ onError: (error: Error) => errors.push(error.message) })
    uf.reset()
    uf.optOut()
    expect(errors).toEqual([])
  })
})

describe('no writeKey: an endpoint path of the page\'s origin, whose proxy holds the key', () => {
  it('not inert: nothing reported, the update queued for the path (tests/e2e/server-proxy.test.ts sends it)', () => {
    const errors: string[] = []
    const uf = createClient({ endpoint: '/uf', storage, flushInterval: 1e9, onError: (error) => errors.push(error.message) })
    uf.updateProfile({ plan: 'pro' })
    expect(errors).toEqual([])
    expect(uf.anonymousId).toMatch(/^[\w-]{21}$/)
    return Promise.resolve().then(() => {
      // Persisted at the end of the task, under the queue key of the (empty) write key.
      expect([...storage.data.keys()].filter((key) => key.startsWith('uf-queue-'))).toEqual([expect.stringMatching(/^uf-queue-v1\|\|/)])
    })
  })

  it.each([['no endpoint', undefined], ['another origin', 'https://api.example.test/uf'], ['this origin as a URL (a path is what counts)', 'https://www.example.test/uf'], ['a protocol-relative URL', '//evil.test/uf']])(
    '%s: still the inert client, reported once',
    (_, endpoint) => {
      const errors: string[] = []
      const uf = createClient({ ...(endpoint ? { endpoint } : {}), storage, onError: (error: Error) => errors.push(error.message) } as never)
      uf.updateProfile({ a: 1 })
      expect(errors).toEqual([expect.stringMatching(/^userflux: options\.writeKey is required/)])
      expect(storage.length).toBe(0)
    },
  )
})
