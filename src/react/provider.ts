import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react'
import { createClient, UserFluxError } from '../index.js'
import type { Options, Properties, Shape, UserFluxClient } from '../types.js'
import { createDeferred, type Deferred } from './deferred.js'

export interface UserFluxProviderProps {
  /**
   * A client you made with `createClient`; it is used from the provider's first effect on. The
   * first one given stays (remount the provider, with a `key`, to change it).
   * @default undefined
   */
  client?: UserFluxClient<any> | undefined
  /**
   * Without `client`: the options of the client the provider makes in the browser, after its first
   * render (never on a server). The same writeKey, endpoint and storagePrefix give the same client
   * however often it renders.
   * @default undefined
   */
  options?: Options | undefined
  children?: ReactNode
}

const Context = createContext<Deferred | null>(null)

/** Outside any provider: calls go nowhere, and the console says why, once. */
const orphan = createDeferred(new UserFluxError('invalid-argument', 'useUserFlux() outside <UserFluxProvider>: nothing is stored or sent'))

/**
 * Makes the client available to `useUserFlux()`, `useUserFluxIdentity()` and `<UserFluxUser>`. The
 * client is created (or taken from `client`) in an effect, so server rendering creates none and
 * touches no storage; calls made before that, from renders or children's mount effects, are kept
 * and made then.
 */
export function UserFluxProvider({ client, options, children }: UserFluxProviderProps) {
  const [deferred] = useState(createDeferred)
  useEffect(() => {
    // Runs twice under StrictMode, and again when options is a new object: createClient returns the
    // page's live client for the same writeKey, endpoint and storagePrefix, and a second attach is ignored.
    deferred._attach(client ?? createClient(options))
  }, [deferred, client, options])
  return createElement(Context.Provider, { value: deferred }, children)
}

/** The nearest provider's buffer (an orphan one outside any provider). */
export const useDeferred = (): Deferred => useContext(Context) ?? orphan

/**
 * The client: the same object on every render, callable from the first render on (calls made before
 * the client exists are kept). Make calls in effects and event handlers, not while rendering.
 */
export const useUserFlux = <P extends Shape<P> = Properties>(): UserFluxClient<P> => useDeferred()._client
