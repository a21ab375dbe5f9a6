/**
 * `GET /profile/{userId}` with the Read + Write key, for personalising on the server (segments,
 * computed properties). Resolves the profile, or null when the API has none for that user (404);
 * rejects with a UserFluxServerError whose `code` names the cause otherwise.
 */
import { UserFluxServerError, type ServerErrorCode } from './errors.js'
import { checkEndpoint, DEFAULT_ENDPOINT } from './proxy-options.js'
import type { GetProfileOptions, Profile } from './types.js'

const codeOf = (status: number): ServerErrorCode =>
  status == 401 ? 'unauthorized' : status == 403 ? 'forbidden' : status == 429 ? 'rate-limited' : status >= 500 ? 'server' : status >= 400 ? 'bad-request' : 'bad-response'

/** The API's own `message` from an error body, when there is one (cut short: it goes into a message). */
function apiMessage(text: string): string {
  try {
    const parsed = JSON.parse(text)
    if (parsed && typeof parsed.message == 'string') return ': ' + parsed.message.slice(0, 300)
  } catch {}
  return ''
}

export async function getProfile(userId: string, options: GetProfileOptions): Promise<Profile | null> {
  const fail = (code: ServerErrorCode, message: string, status?: number, cause?: unknown) =>
    Promise.reject(new UserFluxServerError(code, `getProfile(${JSON.stringify(userId)}): ${message}`, { status, cause }))
  if (typeof userId != 'string' || !userId.trim()) {
    return Promise.reject(new UserFluxServerError('invalid-argument', `getProfile: userId must be a non-empty string, not ${typeof userId == 'string' ? '""' : typeof userId}`))
  }
  const own = <K extends keyof GetProfileOptions>(name: K) => (options && typeof options == 'object' && Object.hasOwn(options, name) ? options[name] : undefined)
  const readWriteKey = own('readWriteKey')
  if (typeof readWriteKey != 'string' || !readWriteKey) return fail('invalid-argument', 'options.readWriteKey must be the Read + Write key (a non-empty string)')
  const timeout = own('timeout') ?? 5000
  if (!Number.isFinite(timeout) || timeout <= 0) return fail('invalid-argument', `options.timeout must be a number of milliseconds > 0, not ${String(timeout)}`)
  const fetchImpl = own('fetch') ?? ((input, init) => fetch(input, init))
  let endpoint: string
  try {
    endpoint = checkEndpoint('getProfile', own('endpoint') ?? DEFAULT_ENDPOINT)
  } catch (error) {
    return fail('invalid-argument', (error as Error).message.replace(/^getProfile: /, ''))
  }

  const url = `${endpoint}/profile/${encodeURIComponent(userId)}`
  const signal = AbortSignal.timeout(timeout)
  let status: number
  let text: string
  try {
    const response = await fetchImpl(url, { headers: { authorization: 'Bearer ' + readWriteKey, accept: 'application/json' }, signal, redirect: 'manual' })
    status = response.status
    // The body within the same timeout: a server that sends headers and then stalls is no answer.
    text = await response.text()
  } catch (error) {
    if ((error as Error)?.name == 'TimeoutError') return fail('timeout', `GET ${url}: no answer within ${timeout} ms`, undefined, error)
    return fail('network', `GET ${url}: ${(error as Error)?.message || error}`, undefined, error)
  }
  if (status == 404) return null
  // The API's message could quote the key it was sent: it never goes into an error.
  text = text.split(readWriteKey).join('[redacted]')
  if (status != 200) return fail(codeOf(status), `GET ${url} answered ${status}${apiMessage(text)}`, status)
  try {
    const profile = JSON.parse(text)
    if (profile && typeof profile == 'object' && !Array.isArray(profile)) return profile as Profile
  } catch {}
  return fail('bad-response', `GET ${url} answered 200 with a body that is not a JSON object`, status)
}
