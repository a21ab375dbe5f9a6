import type { UserFluxError } from './errors.js'

export interface Logger {
  /** Reports a problem to `onError` and the console. */
  report(error: UserFluxError): void
  /** Logs only in `debug` mode. */
  log(...args: unknown[]): void
}

export function createLogger(debug: boolean | undefined, onError?: (error: UserFluxError) => void): Logger {
  return {
    report(error) {
      try {
        onError?.(error)
      } catch {
        // A throwing onError is the host's bug; it must not stop delivery.
      }
      console.error(error.message)
    },
    log: debug ? (...args) => console.log('[userflux]', ...args) : () => {},
  }
}
