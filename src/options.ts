import type { Options } from './types.js'

export const defaults = {
  endpoint: 'https://integration-api.userflux.co',
  flushInterval: 1000,
  storage: 'localStorage' as NonNullable<Options['storage']>,
  storagePrefix: 'uf',
  maxQueueSize: 100,
  minRetryDelay: 1000,
  maxRetryDelay: 60_000,
  deviceData: true,
  blockBots: true,
  cookieExpiryDays: 365,
  // Options whose default is false are left out: absent reads as false.
}

export type NormalizedOptions = typeof defaults & Omit<Options, keyof typeof defaults>

const fail = (name: string, what: string): never => {
  throw new TypeError(`createClient: options.${name} ${what}`)
}

/** Fills in defaults and rejects setup mistakes at once, naming the option. */
export function normalizeOptions(options: Options): NormalizedOptions {
  if (!options || typeof options.writeKey != 'string' || !options.writeKey.trim()) {
    fail('writeKey', 'is required')
  }
  const normalized = { ...defaults } as NormalizedOptions
  for (const key in options) {
    // `undefined` means "the default", as users of data-* attributes and spread configs expect.
    if ((options as any)[key] !== undefined) (normalized as any)[key] = (options as any)[key]
  }
  // Relative is fine too: `endpoint: '/uf'` reaches a proxy on the page's own origin.
  normalized.endpoint = String(normalized.endpoint).replace(/\/+$/, '')
  return normalized
}
