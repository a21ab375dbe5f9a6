/**
 * `window.userflux` for script-tag users who write TypeScript. Opt in with one of:
 *   /// <reference types="userflux-snippet/global" />
 *   import type {} from 'userflux-snippet/global'
 *   tsconfig.json: "compilerOptions": { "types": ["userflux-snippet/global"] }
 * Built to dist/global.d.ts; the ESM build itself declares no globals.
 */
import type { Properties, UserFluxClient } from './types.js'

/** A call the loader stub recorded before the script arrived: `[method, ...args]`. */
export type BufferedCall = [method: string, ...args: unknown[]]

/** The client the script tag puts on `window.userflux`. */
export interface ScriptTagClient extends UserFluxClient<Properties> {
  /** Runs `callback` with the client: at once now that it has loaded. */
  ready(callback: (client: ScriptTagClient) => void): void
}

/**
 * `window.userflux` before the script has loaded: the loader stub's buffer, callable the same way.
 * No `subscribe` (its unsubscribe could not be returned before the script runs):
 * `userflux.ready((client) => client.subscribe(listener))`.
 */
export type LoaderStub = BufferedCall[] &
  Pick<ScriptTagClient, 'identify' | 'setUser' | 'updateProfile' | 'reset' | 'optOut' | 'optIn' | 'flush' | 'ready'>

declare global {
  /** The UserFlux client of the script tag, or (with the loader stub, before it loads) the stub. */
  // eslint-disable-next-line no-var
  var userflux: ScriptTagClient | LoaderStub
}
