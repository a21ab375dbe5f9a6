import { useEffect } from 'react'
import type { Properties } from '../types.js'
import { useUserFlux } from './provider.js'

/**
 * The properties as a dependency of the effect: their JSON, so an object written inline in the render
 * (a new one each time) only runs the effect when a value changed. One that is not JSON (circular) is
 * passed as it is, for setUser to report.
 */
const asKey = (properties: Properties | undefined): string | Properties | undefined => {
  try {
    return properties && JSON.stringify(properties)
  } catch {
    return properties
  }
}

/**
 * Tells UserFlux who is signed in, from wherever the app knows it: `setUser(id, properties)` after
 * each render where they changed. `null`: signed out (a reset if someone was signed in);
 * `undefined`: not known yet (auth still loading), so nothing happens and the stored user stays.
 */
export function useUserFluxUser(id: string | null | undefined, properties?: Properties | undefined): void {
  const client = useUserFlux()
  const key = asKey(properties)
  useEffect(() => {
    if (id !== undefined) client.setUser(id, typeof key == 'string' ? JSON.parse(key) : key)
  }, [client, id, key])
}

export interface UserFluxUserProps {
  /** The signed-in user's id; `null` when signed out, `undefined` while not known yet. */
  id: string | null | undefined
  /** Profile properties of the user; only values that changed are sent. @default undefined */
  properties?: Properties | undefined
}

/** `useUserFluxUser` as a component, for a layout: renders nothing. */
export function UserFluxUser({ id, properties }: UserFluxUserProps): null {
  useUserFluxUser(id, properties)
  return null
}
