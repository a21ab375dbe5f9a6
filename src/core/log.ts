import type { UserFluxError } from './errors.js'

export interface Logger {
  /** Reports a problem to `onError` when there is one, else to the console. */
  _report(error: UserFluxError): void
  /** Logs only in `debug` mode. */
  _log(...args: unknown[]): void
}

/**
 * `debug` without a rebuild, as posthog-js and Segment allow: `?uf_debug=1` in the page's URL, or
 * `localStorage.setItem('uf-debug', '1')` in the console (it stays on across reloads until removed).
 */
export function debugSwitchedOn(): boolean {
  try {
    return /[?&]uf_debug=(1|true)(&|$)/.test(globalThis.location?.search || '') || globalThis.localStorage?.getItem('uf-debug') == '1'
  } catch {
    // Storage that throws (sandboxed iframe, cookies blocked): no switch, no problem.
    return false
  }
}

/**
 * A queued request as a person reads it: the queue persists entries with short keys (`u`, `a`, `p`,
 * `l`, `n`) to keep storage small, which mean nothing in a console.
 */
export function describe(value: unknown): unknown {
  const entry = value as { u?: string; a?: unknown; p?: unknown; l?: unknown } | null
  if (typeof entry?.a != 'string' || !entry.p) return value
  return {
    ...(entry.u !== undefined && { userId: entry.u }),
    anonymousId: entry.a,
    properties: entry.p,
    locationEnrichment: entry.l,
  }
}

export function createLogger(debug: boolean | undefined, onError?: (error: UserFluxError) => void): Logger {
  return {
    _report(error) {
      try {
        // The app's own onError logs as it sees fit: printing it too would be noise it cannot turn off.
        if (onError) return onError(error)
      } catch {
        // A throwing onError is the host's bug; it must not stop delivery, nor hide the problem.
      }
      console.error(error.message)
    },
    _log: debug || debugSwitchedOn() ? (...args) => console.log('[userflux]', ...args.map(describe)) : () => {},
  }
}
