import type { Options } from './types.js'

/**
 * How an option is checked, defaulted and read from a script tag's `data-*` attribute. One row per
 * option: `normalizeOptions` and the script tag (iife.ts) both walk this table, so an option added
 * here is validated, defaulted and settable as `data-<kebab-case-name>` at once.
 */
export interface OptionRule {
  /** What a valid value is, said after "must be", e.g. 'a finite number ≥ 0'. */
  expect: string
  valid(value: unknown): boolean
  /** A function: computed when a client is created (e.g. storage depends on the environment). */
  default?: unknown
  /** How the script tag reads `data-<kebab-case-name>`; absent: not settable without code. */
  attribute?: 'boolean' | 'number' | 'string'
}

const isString = (value: unknown): value is string => typeof value == 'string'
const rule = (expect: string, valid: (value: any) => boolean, fallback?: unknown, attribute?: OptionRule['attribute']): OptionRule => ({
  expect,
  valid,
  default: fallback,
  attribute,
})
const boolean = rule('true or false', (value) => typeof value == 'boolean', undefined, 'boolean')
const milliseconds = (fallback: number, min: number, strict: boolean) =>
  rule(`a finite number of milliseconds ${strict ? '>' : '≥'} ${min}`, (value) => Number.isFinite(value) && (strict ? value > min : value >= min), fallback, 'number')
const fn = rule('a function', (value) => typeof value == 'function')
const storageLike = (value: any) => value != null && typeof value == 'object' && ['getItem', 'setItem', 'removeItem', 'key'].every((name) => typeof value[name] == 'function')

export const OPTIONS: Record<string, OptionRule> = {
  // Checked first and on its own: without it there is no client (see client.ts).
  writeKey: rule('a non-empty string (your Write Only key)', (value) => isString(value) && !!value.trim(), undefined, 'string'),
  endpoint: rule('a URL or a path (string)', (value) => isString(value) && !!value.trim(), 'https://integration-api.userflux.co', 'string'),
  locationEnrichment: boolean,
  flushInterval: milliseconds(1000, 0, false),
  storage: rule(
    // 'sessionStorage' as a string is refused rather than guessed at: the object itself works.
    "'localStorage', 'memory' or a Storage-like object (e.g. the sessionStorage object itself, not its name)",
    (value) => value == 'localStorage' || value == 'memory' || storageLike(value),
    // A server (SSR, Node 25 / Deno / Bun with a global localStorage) keeps to memory, so that no
    // visitor's identity crosses from one request to the next.
    () => (typeof document == 'undefined' ? 'memory' : 'localStorage'),
    'string',
  ),
  storagePrefix: rule('a non-empty string', (value) => isString(value) && !!value, 'uf', 'string'),
  onError: fn,
  debug: boolean,
  maxQueueSize: rule('an integer ≥ 1', (value) => Number.isInteger(value) && value >= 1, 100, 'number'),
  minRetryDelay: milliseconds(1000, 0, true),
  maxRetryDelay: milliseconds(60_000, 0, true),
  optedOut: boolean,
  respectGlobalPrivacyControl: boolean,
  fetch: fn,
}

export type NormalizedOptions = Options & {
  endpoint: string
  flushInterval: number
  storage: NonNullable<Options['storage']>
  storagePrefix: string
  maxQueueSize: number
  minRetryDelay: number
  maxRetryDelay: number
}

/** A setup mistake, said as `options.<name> must be …`. */
export interface OptionProblem {
  name: string
  message: string
}

const show = (value: unknown) => {
  try {
    return typeof value == 'function' ? 'a function' : typeof value == 'string' ? `'${value}'` : String(JSON.stringify(value) ?? value)
  } catch {
    return typeof value
  }
}

/**
 * Fills in defaults and replaces every bad option by its default, saying which. Never throws: a site's
 * configuration mistake must not take the page down. `writeKey` is only checked, not replaced.
 */
export function normalizeOptions(input: Options | undefined): { options: NormalizedOptions; problems: OptionProblem[] } {
  const given: Record<string, unknown> = input && typeof input == 'object' ? { ...input } : {}
  const options: Record<string, unknown> = { ...given }
  const problems: OptionProblem[] = []
  const problem = (name: string, message: string) => problems.push({ name, message: `options.${name} ${message}` })
  for (const [name, { expect, valid, default: fallback }] of Object.entries(OPTIONS)) {
    const value = given[name]
    const byDefault = () => (typeof fallback == 'function' ? fallback() : fallback)
    // `undefined` means "the default", as users of data-* attributes and spread configs expect.
    if (name == 'writeKey') {
      // Nothing to fall back to: the client will do nothing (a missing .env in production).
      if (!valid(value)) problem(name, `is required: ${expect}, not ${show(value)}; nothing will be stored or sent`)
    } else if (value === undefined) {
      options[name] = byDefault()
    } else if (!valid(value)) {
      const replacement = byDefault()
      problem(name, `must be ${expect}, not ${show(value)}; using ${replacement === undefined ? 'none' : show(replacement)}`)
      options[name] = replacement
    }
  }
  if ((options.minRetryDelay as number) > (options.maxRetryDelay as number)) {
    const replacement = Math.min(OPTIONS.minRetryDelay!.default as number, options.maxRetryDelay as number)
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
  for (const [name, { attribute }] of Object.entries(OPTIONS)) {
    const raw = dataset[name] // dataset already camel-cases data-flush-interval to flushInterval
    if (!attribute || raw === undefined) continue
    const text = raw.trim()
    options[name] =
      attribute == 'boolean'
        ? // A bare attribute (`data-opted-out`) means true, as HTML's own boolean attributes do.
          text == '' || text == 'true' ? true : text == 'false' ? false : raw
        : attribute == 'number'
          ? text && Number.isFinite(Number(text))
            ? Number(text)
            : raw
          : raw
  }
  return options
}
