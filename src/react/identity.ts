import { useSyncExternalStore } from 'react'
import type { IdentityState } from '../types.js'
import { NO_IDENTITY } from './deferred.js'
import { useDeferred } from './provider.js'

const onServer = () => NO_IDENTITY

/**
 * The visitor's identity (`anonymousId`, `userId`, `optedOut`, `consent`), re-rendering on each
 * change in this tab or another. On the server and during hydration it is the empty identity
 * (`anonymousId: ''`, `userId: null`), so the markup always matches; the real one follows at once.
 */
export function useUserFluxIdentity(): IdentityState {
  const deferred = useDeferred()
  return useSyncExternalStore(deferred._client.subscribe, deferred._snapshot, onServer)
}
