import { collectDeviceData, type DeviceData } from './device-data.js'
import { corrupt, type SafeStorage } from '../browser/storage.js'
import type { UserFluxError } from '../core/errors.js'
import { isValidId } from '../core/validate.js'

/** What goes into a request body beside the identity and the properties. */
export interface Extra {
  deviceData?: DeviceData
  externalId?: string
}

type Visitor = { userId?: string | undefined; anonymousId: string }

export interface Enrichment {
  /** The extra fields of the body of a request for this identity. */
  _extra(entry: Visitor): Extra
  /** A request with these extra fields was accepted (2xx). */
  _sent(entry: Visitor, extra: Extra): void
  /** `reset()` and opt-out: the external id is forgotten. */
  _forget(): void
}

/**
 * Device data with the first request of a page view and the first after an identity change: a
 * profile gets it without every request paying for it, and a failed request carries it again.
 * The external id comes from the landing URL's `ufeid` (links in UserFlux messages), stored under
 * `key` as UserFlux's own SDK does, and goes with every request until `reset()`.
 */
export function createEnrichment(storage: SafeStorage, key: string, deviceData: boolean, canStore: () => boolean, report: (error: UserFluxError) => void): Enrichment {
  // The identity ("userId anonymousId") a request with device data was last accepted for.
  let described: string | undefined
  const identity = (entry: Visitor) => entry.userId + ' ' + entry.anonymousId
  try {
    const url = new URL(location.href)
    const landed = url.searchParams.get('ufeid')
    if (landed !== null) {
      if (isValidId(landed) && landed.length <= 256 && canStore()) storage._set(key, landed)
      // Out of the address bar once read: a shared link must not give every recipient this visitor's
      // external id (SPEC §14). The page's own history entry is kept, only its URL changes.
      url.searchParams.delete('ufeid')
      history.replaceState(history.state, '', url.href)
    }
  } catch {
    // No location or history (SSR, a sandboxed frame): nothing landed, or nothing to clean.
  }
  return {
    _extra(entry) {
      const extra: Extra = {}
      const externalId = storage._get(key)
      // What storage or a cookie holds is checked like any input: a planted 70 KB value would make
      // every body too big to send.
      if (isValidId(externalId) && externalId.length <= 256) extra.externalId = externalId
      else if (externalId) {
        // Repaired and said once: it is gone after this.
        storage._remove(key)
        report(corrupt(key))
      }
      // Not where there is no window (SSR, Node): no device to describe.
      if (deviceData && typeof window == 'object' && described != identity(entry)) extra.deviceData = collectDeviceData()
      return extra
    },
    _sent(entry, extra) {
      if (extra.deviceData) described = identity(entry)
    },
    _forget: () => storage._remove(key),
  }
}
