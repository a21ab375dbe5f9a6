/**
 * The test control routes: scripted faults (status + Retry-After, drop, delay, times), hang, the
 * request log and reset.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { createTestControl, MAX_LOGGED_POSTS } from '../../demo/api/control.js'
import { READ_WRITE_KEY, startApi, useApi, WRITE_KEY } from './helpers.js'

const api = useApi()
beforeEach(() => api.reset())

const statuses = async () => (await api.requests()).posts.map((post) => post.status)
/** A POST that reports a network error as 'network-error' instead of throwing. */
const send = (body) => api.post(body).then((response) => response.status, () => 'network-error')

describe('faults', () => {
  it('a status fault answers it (with Retry-After and a JSON body) without applying the update', async () => {
    expect(await api.faults([{ status: 503, retryAfter: '2' }])).toEqual({ pending: 1 })
    const response = await api.post({ userId: 'f1', properties: { a: 1 } })
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('2')
    expect(await response.json()).toEqual({ error: 'injected_fault', message: expect.any(String) })
    expect((await api.get('f1')).status).toBe(404)
    // The next request is handled normally.
    expect((await api.post({ userId: 'f1', properties: { a: 2 } })).status).toBe(204)
    expect((await api.profile('f1')).properties).toEqual({ a: 2 })
  })

  it('a fault body is sent as given', async () => {
    await api.faults([{ status: 400, body: { error: 'bad_request', message: 'no thanks' } }])
    const response = await api.post({ anonymousId: 'a' })
    expect(await response.json()).toEqual({ error: 'bad_request', message: 'no thanks' })
  })

  it('faults apply in order, times repeats one', async () => {
    await api.faults([{ status: 500, times: 2 }, { status: 429, retryAfter: '0' }])
    await api.faults([{ status: 408 }])
    const results = []
    for (let i = 0; i < 6; i++) results.push(await send({ anonymousId: 'order', properties: { i } }))
    expect(results).toEqual([500, 500, 429, 408, 204, 204])
    expect(await statuses()).toEqual([500, 500, 429, 408, 204, 204])
  })

  it('drop destroys the connection without an answer, after reading the body; nothing is applied', async () => {
    await api.faults([{ drop: true }])
    expect(await send({ userId: 'dropped', properties: { a: 1 } })).toBe('network-error')
    expect((await api.get('dropped')).status).toBe(404)
    const [post] = (await api.requests()).posts
    expect(post).toMatchObject({ status: 'dropped', body: { userId: 'dropped', properties: { a: 1 } } })
  })

  it('delayMs alone delays a normal, applied answer', async () => {
    await api.faults([{ delayMs: 60 }])
    const started = Date.now()
    expect(await send({ userId: 'slow', properties: { a: 1 } })).toBe(204)
    expect(Date.now() - started).toBeGreaterThanOrEqual(55)
    expect((await api.profile('slow')).properties).toEqual({ a: 1 })
  })

  it('delayMs with a status delays the fault', async () => {
    await api.faults([{ delayMs: 40, status: 502 }])
    const started = Date.now()
    expect(await send({ anonymousId: 'a' })).toBe(502)
    expect(Date.now() - started).toBeGreaterThanOrEqual(35)
  })

  it('a 2xx status is handled normally and answered with that status', async () => {
    await api.faults([{ status: 200, body: { ok: true } }])
    const response = await api.post({ userId: 'two-hundred', properties: { a: 1 } })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ ok: true })
    expect((await api.profile('two-hundred')).properties).toEqual({ a: 1 })
  })

  it('faults skip preflights and GETs', async () => {
    await api.faults([{ status: 503 }])
    await fetch(`${api.url}/profile`, { method: 'OPTIONS', headers: { origin: 'http://x' } })
    await api.get('whoever')
    expect(await send({ anonymousId: 'a' })).toBe(503)
    expect(await send({ anonymousId: 'a' })).toBe(204)
  })

  it.each([
    [{ faults: 'x' }],
    [{ faults: [{ status: 99 }] }],
    [{ faults: [{ times: 0 }] }],
    [{ faults: [{ delayMs: -1 }] }],
    [{ faults: [{ drop: 'yes' }] }],
    [{ faults: [{ retryAfter: 2 }] }],
    [{ faults: [null] }],
    [JSON.parse(`{"faults":[{"status":500,"body":${'['.repeat(1000)}${']'.repeat(1000)}}]}`)],
  ])('rejects a bad fault list %j with 400', async (body) => {
    const response = await fetch(`${api.url}/__test/faults`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-uf-test-token': api.testToken }, body: JSON.stringify(body) })
    expect(response.status).toBe(400)
    expect(await send({ anonymousId: 'a' })).toBe(204) // nothing was queued
  })
})

describe('hang', () => {
  it('holds POST /profile open until turned off, then drops them', async () => {
    expect(await api.hang(true)).toEqual({ hanging: true })
    let settled = false
    const pending = send({ userId: 'held', properties: { a: 1 } }).then((result) => ((settled = true), result))
    // Wait until the server holds it (a bound, not a guess: a loaded machine may take longer).
    for (let i = 0; i < 200 && (await statuses()).length == 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(settled).toBe(false)
    expect(await statuses()).toEqual([null])
    expect(await api.hang(false)).toEqual({ hanging: false })
    expect(await pending).toBe('network-error')
    expect(await statuses()).toEqual(['dropped'])
    expect((await api.get('held')).status).toBe(404)
    expect(await send({ userId: 'held' })).toBe(204)
  })

  it('close() releases held requests', async () => {
    const own = await startApi()
    await own.hang(true)
    const pending = own.post({ anonymousId: 'a' }).then(() => 'answered', () => 'network-error')
    await new Promise((resolve) => setTimeout(resolve, 20))
    await own.close()
    expect(await pending).toBe('network-error')
  })
})

describe('request log and reset', () => {
  it('logs posts in arrival order with query, headers, body and status; counts preflights and gets', async () => {
    await api.faults([{ status: 503 }])
    const before = Date.now()
    await api.post({ anonymousId: 'log', properties: { n: 1 } }, { query: '?locationEnrichment=true' })
    await api.post('not json')
    await api.post({ anonymousId: 'log', properties: { n: 2 } }, { key: 'bad' })
    await api.post({ anonymousId: 'log', properties: { n: 3 } })
    await fetch(`${api.url}/profile`, { method: 'OPTIONS' })
    await api.get('log')
    await api.get('log')
    const { posts, preflights, gets } = await api.requests()
    expect(posts).toEqual([
      { at: expect.any(Number), query: { locationEnrichment: 'true' }, headers: expect.objectContaining({ authorization: `Bearer ${WRITE_KEY}`, 'content-type': 'application/json' }), body: { anonymousId: 'log', properties: { n: 1 } }, status: 503 },
      expect.objectContaining({ query: {}, body: 'not json', status: 400 }),
      // An unknown key: what it sent is not kept (tests/api/request-log.test.js).
      expect.objectContaining({ body: null, status: 403 }),
      expect.objectContaining({ body: { anonymousId: 'log', properties: { n: 3 } }, status: 204 }),
    ])
    expect(posts[0].at).toBeGreaterThanOrEqual(before)
    expect(posts.map((post) => post.at)).toEqual([...posts.map((post) => post.at)].sort((a, b) => a - b))
    expect({ preflights, gets }).toEqual({ preflights: 1, gets: 2 })
  })

  it('reset clears profiles, faults, hang and the log', async () => {
    await api.post({ userId: 'gone' })
    await api.faults([{ status: 500, times: 5 }])
    await api.hang(true)
    expect(await api.reset()).toBeUndefined() // 204
    expect(await api.requests()).toEqual({ posts: [], preflights: 0, gets: 0 })
    expect((await api.get('gone')).status).toBe(404)
    expect(await send({ userId: 'back' })).toBe(204)
  })

  it('control routes answer wrong methods and bad bodies with JSON errors', async () => {
    const headers = { 'x-uf-test-token': api.testToken }
    expect((await fetch(`${api.url}/__test/faults`, { headers })).status).toBe(405)
    expect((await fetch(`${api.url}/__test/requests`, { method: 'POST', headers })).status).toBe(405)
    expect((await fetch(`${api.url}/__test/nope`, { method: 'POST', headers })).status).toBe(404)
    const bad = await fetch(`${api.url}/__test/hang`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"on":"yes"}' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: 'bad_request' })
  })
})

describe('who may use the control routes', () => {
  it('without the token (or with a wrong one) nothing is done or shown: 401', async () => {
    await api.post({ userId: 'kept' })
    for (const token of [undefined, '', 'wrong', api.testToken + 'x']) {
      const headers = { 'content-type': 'application/json', ...(token === undefined ? {} : { 'x-uf-test-token': token }) }
      for (const [path, body] of [['/__test/reset', '{}'], ['/__test/hang', '{"on":true}'], ['/__test/faults', '{"faults":[{"status":500}]}']]) {
        const response = await fetch(api.url + path, { method: 'POST', headers, body })
        expect(response.status).toBe(401)
        expect(await response.json()).toMatchObject({ error: 'unauthorized' })
      }
      expect((await fetch(`${api.url}/__test/requests`, { headers })).status).toBe(401)
    }
    expect((await api.post({ userId: 'kept', properties: { still: true } })).status).toBe(204) // no fault queued, not hanging
    expect((await api.profile('kept')).properties).toEqual({ still: true })
  })

  it('a text/plain post (no preflight in a browser) is refused even with the token: 415', async () => {
    await api.post({ userId: 'plain' })
    const response = await fetch(`${api.url}/__test/reset`, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-uf-test-token': api.testToken }, body: '{}' })
    expect(response.status).toBe(415)
    expect((await api.get('plain')).status).toBe(200)
  })

  it('the log never shows the Read + Write key or another credential; the public Write Only key is shown', async () => {
    await api.post({ anonymousId: 'w' })
    await api.post({ anonymousId: 'rw' }, { key: READ_WRITE_KEY })
    await api.post({ anonymousId: 'other' }, { key: 'someone-elses-secret' })
    const { posts } = await api.requests()
    expect(posts.map((post) => post.headers.authorization)).toEqual([`Bearer ${WRITE_KEY}`, '[redacted]', '[redacted]'])
    expect(JSON.stringify(posts)).not.toContain(READ_WRITE_KEY)
    expect(JSON.stringify(posts)).not.toContain('someone-elses-secret')
  })

  it(`the log is bounded (${MAX_LOGGED_POSTS} posts): the oldest go first`, () => {
    const control = createTestControl({ maxPosts: 3 })
    for (let i = 0; i < 5; i++) control.logPost({ at: i, query: {}, headers: {}, body: i, status: 204 })
    expect(control.requests().posts.map((post) => post.body)).toEqual([2, 3, 4])
  })

  it('the test token comes from the testToken option', async () => {
    const own = await startApi({ testToken: 'chosen-token' })
    try {
      expect(own.testToken).toBe('chosen-token')
      expect((await fetch(`${own.url}/__test/requests`, { headers: { 'x-uf-test-token': 'chosen-token' } })).status).toBe(200)
    } finally {
      await own.close()
    }
  })
})
