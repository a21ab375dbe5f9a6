/** Shared by the API contract tests: a server on a free 127.0.0.1 port and small request helpers. */
import { afterAll, beforeAll } from 'vitest'
import { createApiServer } from '../../demo/api/server.js'

export const WRITE_KEY = 'demo-write-key'
export const READ_WRITE_KEY = 'demo-read-write-key'

/**
 * Starts an API (test control on, quiet) and returns helpers bound to its URL.
 * @param {Parameters<typeof createApiServer>[0]} [options]
 */
export async function startApi(options = {}) {
  const logged = []
  const api = createApiServer({ control: true, log: (line) => logged.push(line), ...options })
  const { url, port } = await api.listen(0, '127.0.0.1')

  /** POST /profile with the Write Only key and a JSON body (a string or Buffer is sent as is). */
  const post = (body, { key = WRITE_KEY, query = '', headers = {} } = {}) =>
    fetch(`${url}/profile${query}`, {
      method: 'POST',
      headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), 'content-type': 'application/json', ...headers },
      body: typeof body == 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    })

  /** GET /profile/{userId} with the Read + Write key. */
  const get = (userId, { key = READ_WRITE_KEY, headers = {} } = {}) =>
    fetch(`${url}/profile/${encodeURIComponent(userId)}`, { headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers } })

  /** The stored profile of `userId` (asserting it exists). */
  const profile = async (userId) => {
    const response = await get(userId)
    if (response.status != 200) throw new Error(`GET /profile/${userId}: ${response.status}`)
    return response.json()
  }

  const testToken = api.testToken
  const control = async (path, body) => {
    const headers = { 'x-uf-test-token': testToken }
    const response = await fetch(url + path, body === undefined ? { headers } : { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`)
    return response.status == 204 ? undefined : response.json()
  }

  return {
    api,
    url,
    port,
    logged,
    testToken,
    post,
    get,
    profile,
    faults: (faults) => control('/__test/faults', { faults }),
    hang: (on) => control('/__test/hang', { on }),
    requests: () => control('/__test/requests'),
    reset: () => control('/__test/reset', {}),
    close: () => api.close(),
  }
}

/**
 * The API for one test file: started before its tests, closed after them. The object is filled in
 * once the server listens, so tests use it as they would the result of `startApi()`.
 * @returns {Awaited<ReturnType<typeof startApi>>}
 */
export function useApi() {
  const api = /** @type {Awaited<ReturnType<typeof startApi>>} */ ({})
  beforeAll(async () => {
    Object.assign(api, await startApi())
  })
  afterAll(() => api.close?.())
  return api
}

export const PROFILE_FIELDS = ['id', 'anonymousIds', 'properties', 'computedProperties', 'segments', 'locationData', 'deviceData', 'externalId', 'lastUpdatedAt', 'createdAt']
