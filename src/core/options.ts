import { firstParty } from '../browser/first-party.js'
import type { Options } from '../types.js'
import { isValidId } from './validate.js'

/**
 * How an option is checked, defaulted and read from a script tag's `data-*` attribute, one row per
 * option: `normalizeOptions` and the script tag (iife.ts) both walk this table, so an option added
 * here is validated, defaulted and settable as `data-<kebab-case-name>` at once. Rows are tuples, not
 * objects, because the script tag build pays for every property name:
 * [what a valid value is (said after "must be"), the check, the default (a function: computed when a
 * client is created), how `data-<name>` is read ('b'oolean, 'n'umber, 's'tring; absent: only in code)].
 */
export type OptionRule = [expect: string, valid: (value: any) => boolean, fallback?: unknown, attribute?: 'b' | 'n' | 's']

const isText = (value: unknown) => typeof value == 'string' && !!value.trim()
const isBoolean = (value: unknown) => typeof value == 'boolean'
const boolean: OptionRule = ['true or false', isBoolean, false, 'b']
const onByDefault: OptionRule = ['true or false', isBoolean, true, 'b']
const fn: OptionRule = ['a function', (value) => typeof value == 'function']
const atLeast = (min: number, fallback: number): OptionRule => [`a number ≥ ${min}`, (value) => Number.isFinite(value) && value >= min, fallback, 'n']
const storageLike = (value: any) => ['getItem', 'setItem', 'removeItem', 'key'].every((name) => typeof value?.[name] == 'function')

export const OPTIONS: Record<string, OptionRule> = {
  // Checked, never replaced: without it the client does nothing (see client.ts).
  writeKey: ['your Write Only key', isText, , 's'],
  endpoint: ['a URL or a path', isText, 'https://integration-api.userflux.co', 's'],
  locationEnrichment: boolean,
  flushInterval: atLeast(0, 1000),
  storage: [
    // 'sessionStorage' as a string is refused rather than guessed at: the object itself works.
    "'localStorage', 'memory' or a Storage object",
    (value) => value == 'localStorage' || value == 'memory' || storageLike(value),
    // A server (SSR, Node 25 / Deno / Bun with a global localStorage) keeps to memory, so that no
    // visitor's identity crosses from one request to the next.
    () => (typeof document == 'undefined' ? 'memory' : 'localStorage'),
    's',
  ],
  storagePrefix: ['a non-empty string', isText, 'uf', 's'],
  onError: fn,
  debug: boolean,
  maxQueueSize: ['an integer ≥ 1', (value) => Number.isInteger(value) && value >= 1, 100, 'n'],
  minRetryDelay: atLeast(1, 1000),
  maxRetryDelay: atLeast(1, 60_000),
  optedOut: boolean,
  // No default here: without it, consent.ts reads optedOut.
  consent: ["'granted', 'denied' or 'pending'", (value) => ['granted', 'denied', 'pending'].includes(value), , 's'],
  respectGlobalPrivacyControl: boolean,
  fetch: fn,
  // SPEC §8: enrichment and identity reach.
  deviceData: onByDefault,
  blockBots: onByDefault,
  // data-cookie-domain="true" (find it), "example.com" (this one) or "false".
  cookieDomain: ['true, false or a domain', (value) => isBoolean(value) || isText(value), false, 'b'],
  cookieExpiryDays: atLeast(1, 365),
  anonymousId: ['a non-empty string of at most 256 characters without control characters', (value) => isValidId(value) && value.length <= 256, undefined, 's'],
  attribution: boolean,
  // A day: a profile changed elsewhere (another device, the server) gets the value again after it.
  resendAfter: atLeast(0, 86_400_000),
}

export type NormalizedOptions = Options & {
  endpoint: string
  flushInterval: number
  storage: NonNullable<Options['storage']>
  storagePrefix: string
  maxQueueSize: number
  minRetryDelay: number
  maxRetryDelay: number
  deviceData: boolean
  blockBots: boolean
  cookieExpiryDays: number
  resendAfter: number
}

/** A setup mistake, said as `options.<name> must be …`. */
export interface OptionProblem {
  _name: string
  message: string
}

const show = (value: unknown) => {
  try {
    return JSON.stringify(value) ?? typeof value
  } catch {
    return typeof value
  }
}

/**
 * Fills in defaults and replaces every bad option by its default, saying which. Never throws: a site's
 * configuration mistake must not take the page down. `writeKey` is only checked, not replaced.
 */
export function normalizeOptions(input: Options | undefined): { options: NormalizedOptions; problems: OptionProblem[] } {
  // Own properties only: a page (or another script on it) that set `Object.prototype.endpoint` must
  // not redirect profiles and the key elsewhere (SPEC §14).
  const given: Record<string, unknown> = Object.create(null)
  if (input && typeof input == 'object') for (const name of Object.keys(input)) given[name] = (input as unknown as Record<string, unknown>)[name]
  const options: Record<string, unknown> = Object.assign(Object.create(null), given)
  const problems: OptionProblem[] = []
  const problem = (name: string, message: string) => problems.push({ _name: name, message: `options.${name} ${message}` })
  for (const [name, [expect, valid, fallback]] of Object.entries(OPTIONS)) {
    const value = given[name]
    const byDefault = () => (typeof fallback == 'function' ? fallback() : fallback)
    // `undefined` means "the default", as users of data-* attributes and spread configs expect.
    if (name == 'writeKey') {
      // Nothing to fall back to: the client will do nothing (a missing .env in production). Unless the
      // endpoint is on this page's origin and none is given: its proxy holds the key (SPEC §12).
      if (!value && firstParty(given.endpoint)) options[name] = ''
      else if (!valid(value)) problem(name, `is required (${expect}), not ${show(value)}: nothing is stored or sent`)
    } else if (value === undefined) {
      options[name] = byDefault()
    } else if (!valid(value)) {
      const replacement = byDefault()
      problem(name, `must be ${expect}, not ${show(value)}; ${replacement === undefined ? 'ignored' : 'using ' + show(replacement)}`)
      options[name] = replacement
    }
  }
  if ((options.minRetryDelay as number) > (options.maxRetryDelay as number)) {
    const replacement = Math.min(OPTIONS.minRetryDelay![2] as number, options.maxRetryDelay as number)
    problem('minRetryDelay', `(${options.minRetryDelay}) must not be above options.maxRetryDelay (${options.maxRetryDelay}); using ${replacement}`)
    options.minRetryDelay = replacement
  }
  // Relative is fine too: `endpoint: '/uf'` reaches a proxy on the page's own origin.
  options.endpoint = (options.endpoint as string).replace(/\/+$/, '')
  return { options: options as unknown as NormalizedOptions, problems }
}

/** `flushInterval` → `flush-interval`: the script tag's attribute for an option, without `data-`. */
export const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase())

/**
 * Options from a script tag's `data-*` attributes (`element.dataset`), typed by the table. A value that
 * does not parse is passed on as written, so that normalizeOptions reports it by name.
 */
export function optionsFromDataset(dataset: Record<string, string | undefined>): Record<string, unknown> {
  const options: Record<string, unknown> = {}
  for (const [name, [, , , attribute]] of Object.entries(OPTIONS)) {
    // dataset already camel-cases data-flush-interval to flushInterval; own attributes only, never
    // a name inherited from a polluted Object.prototype.
    const raw = Object.prototype.hasOwnProperty.call(dataset, name) ? dataset[name] : undefined
    if (!attribute || raw === undefined) continue
    const text = raw.trim()
    options[name] =
      attribute == 'b'
        ? // A bare attribute (`data-opted-out`) means true, as HTML's own boolean attributes do.
          text == '' || text == 'true' ? true : text == 'false' ? false : raw
        : attribute == 'n'
          ? text && Number.isFinite(Number(text))
            ? Number(text)
            : raw
          : raw
  }
  return options
}
