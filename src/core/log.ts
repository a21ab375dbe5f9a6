import type { UserFluxError } from './errors.js'

export interface Logger {
  /** Reports a problem to `onError` when there is one, else to the console. */
  _report(error: UserFluxError): void
  /** Logs only in `debug` mode. */
  _log(...args: unknown[]): void
}

/**
 * `debug` without a rebuild, as posthog-js and Segment allow: `?uf_debug=1` in the page's URL (`'url'`),
 * or `localStorage.setItem('uf-debug', '1')` in the console (`'storage'`: it stays on across reloads
 * until removed). A link is anyone's to craft: in URL mode no property value is logged (SPEC §14).
 */
export function debugSwitchedOn(): 'url' | 'storage' | undefined {
  try {
    if (globalThis.localStorage?.getItem('uf-debug') == '1') return 'storage'
    if (/[?&]uf_debug=(1|true)(&|$)/.test(globalThis.location?.search || '')) return 'url'
  } catch {
    // Storage that throws (sandboxed iframe, cookies blocked): no switch, no problem.
  }
}

/** Shown instead of a property value when debug was switched on by a link. */
export const HIDDEN = '(hidden: debug from the URL)'

/**
 * A queued request as a person reads it: its identity, properties and flag, not the queue's
 * bookkeeping (stamps, sizes). `hide`: property names only, values hidden.
 */
export function describe(value: unknown, hide?: boolean): unknown {
  const entry = value as { userId?: string; anonymousId?: unknown; properties?: Record<string, unknown>; locationEnrichment?: unknown } | null
  if (typeof entry?.anonymousId != 'string' || !entry.properties) return typeof value == 'string' ? value.replace(/^userflux: /, '') : value
  const properties: Record<string, unknown> = {}
  for (const name of Object.keys(entry.properties)) Object.defineProperty(properties, name, { value: hide ? HIDDEN : entry.properties[name], enumerable: true })
  return {
    ...(entry.userId !== undefined && { userId: entry.userId }),
    anonymousId: entry.anonymousId,
    properties,
    ...(entry.locationEnrichment !== undefined && { locationEnrichment: entry.locationEnrichment }),
  }
}

export function createLogger(debug: boolean | undefined, onError?: (error: UserFluxError) => void): Logger {
  const switched = debug ? 'option' : debugSwitchedOn()
  let reporting = false
  return {
    _report(error) {
      // An onError that calls back into the client, which reports again, must not recurse: the
      // inner report goes to the console (SPEC §14).
      if (onError && !reporting) {
        reporting = true
        try {
          // The app's own onError logs as it sees fit: printing it too would be noise it cannot turn off.
          return onError(error)
        } catch {
          // A throwing onError is the host's bug; it must not stop delivery, nor hide the problem.
        } finally {
          reporting = false
        }
      }
      console.error(error.message)
    },
    _log: switched ? (...args) => console.log('[userflux]', ...args.map((arg) => describe(arg, switched == 'url'))) : () => {},
  }
}
