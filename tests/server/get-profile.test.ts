/** getProfile against the local Integration API: a profile, null, and a typed error for each cause. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createProxy, getProfile, UserFluxServerError } from '../../src/server/index.js'
import { profileRequest, PROFILE_FIELDS, READ_WRITE_KEY, useApi, WRITE_KEY } from './helpers.js'

const api = useApi()
const odd = 'josé/ä b?#%'
beforeAll(async () => {
  await api.reset()
  const proxy = createProxy({ endpoint: api.url, writeKey: WRITE_KEY })
  for (const userId of ['user-42', odd]) {
    const response = await proxy(profileRequest({ userId, anonymousId: 'anon-' + userId, properties: { plan: 'pro' } }, { url: 'http://site.test/uf/profile?locationEnrichment=true' }))
    expect(response.status).toBe(204)
  }
})

let stub: Server | undefined
afterEach(() => new Promise((resolve) => (stub ? (stub.closeAllConnections(), stub.close(resolve)) : resolve(undefined))))
/** A server that answers every request with `answer` (or never, without one). */
async function stubApi(answer?: (response: import('node:http').ServerResponse) => void) {
  stub = createServer((_, response) => answer?.(response))
  await new Promise<void>((resolve) => stub!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(stub.address() as AddressInfo).port}`
}

async function failure(promise: Promise<unknown>): Promise<UserFluxServerError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(error).toBeInstanceOf(UserFluxServerError)
  return error as UserFluxServerError
}

describe('getProfile', () => {
  it('the profile, with every field of the schema', async () => {
    const profile = await getProfile('user-42', { readWriteKey: READ_WRITE_KEY, endpoint: api.url })
    expect(profile).not.toBeNull()
    expect(Object.keys(profile!)).toEqual(expect.arrayContaining(PROFILE_FIELDS.filter((field) => field != 'externalId')))
    expect(profile).toMatchObject({ id: 'user-42', anonymousIds: ['anon-user-42'], properties: { plan: 'pro' }, segments: [] })
    expect(typeof profile!.createdAt).toBe('number')
  })

  it('a userId with slashes, spaces, ? # and % is encoded into the path', async () => {
    expect((await getProfile(odd, { readWriteKey: READ_WRITE_KEY, endpoint: api.url }))?.id).toBe(odd)
  })

  it('null for a user the API does not have (404)', async () => {
    expect(await getProfile('nobody', { readWriteKey: READ_WRITE_KEY, endpoint: api.url + '/' })).toBeNull()
  })

  it('forbidden: the Write Only key, or an unknown key; the key never in the message', async () => {
    for (const key of [WRITE_KEY, 'not-a-key']) {
      const error = await failure(getProfile('user-42', { readWriteKey: key, endpoint: api.url }))
      expect([error.code, error.status]).toEqual(['forbidden', 403])
      expect(error.message).toMatch(/^getProfile\("user-42"\): GET http:\/\/127\.0\.0\.1:\d+\/profile\/user-42 answered 403: /)
      expect(error.message).not.toContain(key)
    }
  })

  it('unauthorized: a key the API cannot read as Bearer (401)', async () => {
    const error = await failure(getProfile('user-42', { readWriteKey: 'two words', endpoint: api.url }))
    expect([error.code, error.status]).toEqual(['unauthorized', 401])
  })

  it('server: a 5xx, with its status', async () => {
    const endpoint = await stubApi((response) => response.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"down for maintenance"}'))
    const error = await failure(getProfile('user-42', { readWriteKey: READ_WRITE_KEY, endpoint }))
    expect([error.code, error.status]).toEqual(['server', 503])
    expect(error.message).toContain('answered 503: down for maintenance')
  })

  it('rate-limited and bad-request', async () => {
    let status = 429
    const endpoint = await stubApi((response) => response.writeHead(status).end())
    expect((await failure(getProfile('u', { readWriteKey: READ_WRITE_KEY, endpoint }))).code).toBe('rate-limited')
    status = 400
    expect((await failure(getProfile('u', { readWriteKey: READ_WRITE_KEY, endpoint }))).code).toBe('bad-request')
  })

  it('network: nothing listens', async () => {
    const endpoint = await stubApi()
    await new Promise((resolve) => stub!.close(resolve))
    stub = undefined
    const error = await failure(getProfile('user-42', { readWriteKey: READ_WRITE_KEY, endpoint }))
    expect(error.code).toBe('network')
    expect(error.cause).toBeDefined()
  })

  it('timeout: no answer in time', async () => {
    const endpoint = await stubApi()
    const started = Date.now()
    const error = await failure(getProfile('user-42', { readWriteKey: READ_WRITE_KEY, endpoint, timeout: 300 }))
    expect(error.code).toBe('timeout')
    // Generous: a loaded machine is slow, but it is the timeout that ended it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('timeout: headers, then a body that never ends', async () => {
    const endpoint = await stubApi((response) => response.writeHead(200, { 'content-type': 'application/json' }).write('{"id":'))
    expect((await failure(getProfile('user-42', { readWriteKey: READ_WRITE_KEY, endpoint, timeout: 300 }))).code).toBe('timeout')
  })

  it('bad-response: a 200 that is not a JSON object', async () => {
    let body = 'not json'
    const endpoint = await stubApi((response) => response.writeHead(200).end(body))
    expect((await failure(getProfile('u', { readWriteKey: READ_WRITE_KEY, endpoint }))).code).toBe('bad-response')
    body = '[1,2]'
    expect((await failure(getProfile('u', { readWriteKey: READ_WRITE_KEY, endpoint }))).code).toBe('bad-response')
  })

  it.each([
    ['', { readWriteKey: READ_WRITE_KEY }, /userId must be a non-empty string/],
    [42, { readWriteKey: READ_WRITE_KEY }, /userId must be a non-empty string, not number/],
    ['u', { readWriteKey: '' }, /options\.readWriteKey must be the Read \+ Write key/],
    ['u', undefined, /options\.readWriteKey/],
    ['u', { readWriteKey: READ_WRITE_KEY, endpoint: 'nope' }, /options\.endpoint must be an http or https URL/],
    ['u', { readWriteKey: READ_WRITE_KEY, timeout: 0 }, /options\.timeout/],
  ])('invalid-argument for (%j, %j), nothing sent', async (userId, options, message) => {
    const error = await failure(getProfile(userId as string, options as never))
    expect(error.code).toBe('invalid-argument')
    expect(error.message).toMatch(message)
  })
})
