/**
 * createProxy's options, checked once when the handler is created: a wrong type is a programming
 * mistake and throws there, naming the option. A missing key is not thrown: it is usually an
 * environment variable that a build step (`next build`) does not have, so the handler answers 500
 * saying so instead (see proxy.ts).
 */
import { defaultClientAddress } from './address.js'
import type { ProxyOptions } from './types.js'

export const DEFAULT_ENDPOINT = 'https://integration-api.userflux.co'

export interface ProxyConfig {
  endpoint: string
  writeKey: string | undefined
  readWriteKey: string | undefined
  route: string
  maxBodyBytes: number
  timeout: number
  clientAddress: (request: Request) => string | null | undefined
  cookie: { name: string; maxAgeDays: number; secure: boolean | 'auto' } | false
  fetch: typeof fetch
}

const show = (value: unknown) => (typeof value == 'string' ? JSON.stringify(value) : typeof value == 'object' ? String(value && 'an object') : String(value))

/** Throws a TypeError naming the option. */
function check(ok: boolean, name: string, expect: string, value: unknown): asserts ok {
  if (!ok) throw new TypeError(`createProxy: options.${name} must be ${expect}, not ${show(value)}`)
}

/** A base URL (http or https) without trailing slashes; throws naming `api.option` otherwise. */
export function checkEndpoint(api: string, value: unknown): string {
  let url: URL | undefined
  try {
    url = new URL(String(value))
  } catch {}
  if (!url || !/^https?:$/.test(url.protocol) || typeof value != 'string') {
    throw new TypeError(`${api}: options.endpoint must be an http or https URL, not ${show(value)}`)
  }
  return value.replace(/\/+$/, '')
}

// The characters RFC 6265 allows in a cookie name.
const TOKEN = /^[!#$%&'*+\-.^_`|~\dA-Za-z]+$/

export function normalizeProxyOptions(options: ProxyOptions | undefined): ProxyConfig {
  check(options === undefined || (typeof options == 'object' && options !== null), 'options', 'an object', options)
  // Own properties only: an option inherited from a polluted Object.prototype is not an option.
  const own = <K extends keyof ProxyOptions>(name: K): ProxyOptions[K] => (options && Object.hasOwn(options, name) ? options[name] : undefined)
  const key = (name: 'writeKey' | 'readWriteKey') => {
    const value = own(name)
    check(value === undefined || typeof value == 'string', name, 'a string', value)
    // '' is what `process.env.UF_WRITE_KEY ?? ''` gives when the variable is missing: no key.
    return value || undefined
  }
  const writeKey = key('writeKey')
  const readWriteKey = key('readWriteKey')
  if (writeKey && writeKey == readWriteKey) throw new TypeError('createProxy: options.writeKey must be the Write Only key, not the Read + Write key')

  const path = own('path') ?? '/uf'
  check(typeof path == 'string' && (path == '' || path.startsWith('/')) && !/[?#]/.test(path), 'path', "a path such as '/uf'", path)
  const maxBodyBytes = own('maxBodyBytes') ?? 65_536
  check(Number.isInteger(maxBodyBytes) && maxBodyBytes >= 1, 'maxBodyBytes', 'an integer ≥ 1', maxBodyBytes)
  const timeout = own('timeout') ?? 10_000
  check(Number.isFinite(timeout) && timeout > 0, 'timeout', 'a number of milliseconds > 0', timeout)
  const clientAddress = own('clientAddress') ?? defaultClientAddress
  check(typeof clientAddress == 'function', 'clientAddress', 'a function', clientAddress)
  const fetchImpl = own('fetch') ?? ((input, init) => fetch(input, init))
  check(typeof fetchImpl == 'function', 'fetch', 'a function', fetchImpl)

  const given = own('cookie') ?? {}
  check(given === false || (typeof given == 'object' && given !== null), 'cookie', 'an object or false', given)
  let cookie: ProxyConfig['cookie'] = false
  if (given) {
    const field = <K extends keyof typeof given>(name: K) => (Object.hasOwn(given, name) ? given[name] : undefined)
    const storagePrefix = field('storagePrefix') ?? 'uf'
    check(typeof storagePrefix == 'string' && TOKEN.test(storagePrefix), 'cookie.storagePrefix', 'a cookie-name token such as "uf"', storagePrefix)
    const maxAgeDays = field('maxAgeDays') ?? 400
    check(Number.isFinite(maxAgeDays) && maxAgeDays > 0, 'cookie.maxAgeDays', 'a number of days > 0', maxAgeDays)
    const secure = field('secure') ?? 'auto'
    check(typeof secure == 'boolean' || secure == 'auto', 'cookie.secure', "true, false or 'auto'", secure)
    cookie = { name: storagePrefix + '-server-anonymousId', maxAgeDays, secure }
  }

  return {
    endpoint: checkEndpoint('createProxy', own('endpoint') ?? DEFAULT_ENDPOINT),
    writeKey,
    readWriteKey,
    route: path.replace(/\/+$/, '') + '/profile',
    maxBodyBytes,
    timeout,
    clientAddress,
    cookie,
    fetch: fetchImpl,
  }
}
