import { afterEach, describe, expect, it, vi } from 'vitest'
import { bodyOf, createTransport } from '../../src/delivery/transport.js'
import type { Entry } from '../../src/delivery/entry.js'
import { fakeFetch } from '../support/fake-fetch.js'

const entry = (more: Partial<Entry> = {}): Entry => ({
  anonymousId: 'anon',
  locationEnrichment: false,
  properties: { plan: 'pro' },
  stamps: new Map([['plan', 1]]),
  bytes: 14,
  firstStamp: 1,
  ...more,
})

afterEach(() => vi.useRealTimers())

describe('bodyOf', () => {
  it('is the documented body: userId only when identified, the external id and extra fields at the top level', () => {
    expect(JSON.parse(bodyOf(entry()))).toEqual({ anonymousId: 'anon', properties: { plan: 'pro' } })
    expect(JSON.parse(bodyOf(entry({ userId: 'u', externalId: 'ext', link: true }), { deviceData: { os: 'x' } }))).toEqual({
      userId: 'u',
      anonymousId: 'anon',
      properties: { plan: 'pro' },
      externalId: 'ext',
      deviceData: { os: 'x' },
    })
  })
  it('carries hostile property names as they are, and none of the bookkeeping', () => {
    const properties = JSON.parse('{"__proto__":{"a":1},"constructor":"c","toString":"t"}')
    const body = bodyOf(entry({ properties }))
    expect(body).toBe('{"anonymousId":"anon","properties":{"__proto__":{"a":1},"constructor":"c","toString":"t"}}')
  })
})

describe('createTransport', () => {
  it('POSTs the body to {endpoint}/profile with the flag, the Write Only key and JSON', async () => {
    const fetch = fakeFetch()
    const send = createTransport('https://api.test', 'wk', fetch)
    expect(await send(entry({ locationEnrichment: true }), '{"x":1}', 10_000)).toEqual({ status: 204 })
    expect(fetch.requests).toEqual([
      { url: 'https://api.test/profile?locationEnrichment=true', method: 'POST', headers: { authorization: 'Bearer wk', 'content-type': 'application/json' }, body: { x: 1 }, keepalive: false },
    ])
  })

  it('keepalive only when asked (small sends, or the page being left)', async () => {
    const fetch = fakeFetch()
    const send = createTransport('https://api.test', 'wk', fetch)
    await send(entry(), '{}', 1000, true)
    await send(entry(), '{}', 1000, false, true)
    await send(entry(), '{}', 1000)
    expect(fetch.requests.map((request) => request.keepalive)).toEqual([true, true, false])
  })

  it("says the API's status, its message (at most 300 characters) and Retry-After", async () => {
    const fetch = fakeFetch([{ status: 429, headers: { 'retry-after': '30' }, body: 'x'.repeat(500) }, { status: 400, body: '{"error":"bad_request"}' }])
    const send = createTransport('https://api.test', 'wk', fetch)
    expect(await send(entry(), '{}', 1000)).toEqual({ status: 429, _retryAfter: '30', message: 'x'.repeat(300) })
    expect(await send(entry(), '{}', 1000)).toEqual({ status: 400, _retryAfter: null, message: '{"error":"bad_request"}' })
  })

  it('a network error is status 0 with its message, never thrown', async () => {
    const send = createTransport('https://api.test', 'wk', fakeFetch([new TypeError('Failed to fetch')]))
    expect(await send(entry(), '{}', 1000)).toEqual({ status: 0, message: 'TypeError: Failed to fetch' })
  })

  it('a server that stalls is given up after the timeout, and the request aborted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    let signal: AbortSignal | undefined
    const stalled = ((_: unknown, init?: RequestInit) => {
      signal = init?.signal ?? undefined
      return new Promise(() => {})
    }) as typeof fetch
    const send = createTransport('https://api.test', 'wk', stalled)
    const answer = send(entry(), '{}', 5000, false, true)
    await vi.advanceTimersByTimeAsync(4999)
    expect(signal?.aborted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await answer).toEqual({ status: 0, message: 'timeout after 5000 ms' })
    expect(signal?.aborted).toBe(true)
  })

  it('on exit, fetch is called before anything is awaited (within the pagehide handler)', () => {
    const fetch = fakeFetch()
    const spy = vi.fn(fetch)
    const send = createTransport('https://api.test', 'wk', spy as unknown as typeof globalThis.fetch)
    void send(entry(), '{}', 1000, true, true)
    expect(spy).toHaveBeenCalledOnce()
  })
})
