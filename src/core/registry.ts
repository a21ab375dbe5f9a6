import { createClient as create } from './client.js'
import { UserFluxError } from './errors.js'
import { createLogger } from './log.js'
import { normalizeOptions } from './options.js'
import type { Options, Properties, ProxiedOptions, Shape, UserFluxClient } from '../types.js'

/**
 * The live clients of this page, by writeKey, endpoint and storagePrefix, with the options each was
 * made with. On `globalThis` under a registered symbol, so that two copies of this module (an app
 * bundling it twice, a module re-run by HMR) still find one another's clients.
 */
const REGISTRY = Symbol.for('userflux-snippet.clients')
type Entry = [client: UserFluxClient<any>, options: Options]
/** By the storage (a Storage object of your own is another visitor's, as tests give each client), then by the three. */
type Registry = Map<unknown, Map<string, Entry>>
const registry = (): Registry => ((globalThis as { [REGISTRY]?: Registry })[REGISTRY] ??= new Map())

/** The options a client is found by. */
const KEYED = ['writeKey', 'endpoint', 'storagePrefix', 'storage']
// Functions compare by their source: an `onError` written inline is a new function on every render
// and every hot reload, and the same one for what it does.
const same = (x: unknown, y: unknown) => x === y || (typeof x == 'function' && typeof y == 'function' && String(x) == String(y))

/**
 * Creates a client, or returns the live one of this page for the same `writeKey`, `endpoint` and
 * `storagePrefix` (and `storage`): React's StrictMode, hot module reloading and a module imported twice then never
 * make a second client (which would send everything twice). Other options that differ from the
 * first call's are reported, and the first call's stay: `destroy()` the client to change them.
 * On a server every call gets its own client: nothing is shared between requests. Without a
 * `writeKey` the inert client is kept like any other, so a component rendering again says once that
 * the key is missing.
 */
export function createClient<P extends Shape<P> = Properties>(options?: Options | ProxiedOptions): UserFluxClient<P> {
  const { options: config } = normalizeOptions(options as Options)
  // No page (SSR): not kept. No key: the inert client is kept too, so that a provider rendering
  // again says "writeKey is required" once, not on every render.
  if (typeof document == 'undefined') return create<P>(options)
  const key = [config.writeKey ?? '', config.endpoint, config.storagePrefix].join('\n')
  const all = registry()
  const clients = all.get(config.storage) ?? new Map<string, Entry>()
  all.set(config.storage, clients)
  const found = clients.get(key)
  if (found) {
    const [client, first] = found
    // Compared as normalizeOptions read them (own properties, defaults filled in: `{ debug: undefined }`
    // is `{}`, `'/uf/'` is `'/uf'`), in objects without a prototype: a key such as `__proto__` is
    // just a key, and the spread defines it as one. The three of the key are the same by now (a
    // missing key and '' alike).
    const differ = Object.keys({ ...first, ...config }).filter((name) => !KEYED.includes(name) && !same(first[name as keyof Options], config[name as keyof Options]))
    if (differ.length) {
      createLogger(config.debug, config.onError)._report(
        new UserFluxError(
          'invalid-argument',
          `createClient: ${differ.map((name) => 'options.' + name)} ignored: this page's client of this writeKey, endpoint and storagePrefix is returned (destroy() it first)`,
        ),
      )
    }
    return client
  }
  const client = create<P>(options)
  clients.set(key, [client, config])
  const destroy = client.destroy
  client.destroy = () => {
    if (clients.get(key)?.[0] == client) clients.delete(key)
    if (!clients.size) all.delete(config.storage)
    destroy()
  }
  return client
}
