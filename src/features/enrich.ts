import { collectDeviceData, type DeviceData } from './device-data.js'
import type { SafeStorage } from '../browser/storage.js'

/** What goes into a request body beside the identity and the properties. */
export interface Extra {
  deviceData?: DeviceData
  externalId?: string
}

export interface Enrichment {
  /** The extra fields of the body of a request for this identity. */
  _extra(entry: { u?: string; a: string }): Extra
  /** A request with these extra fields was accepted (2xx). */
  _sent(entry: { u?: string; a: string }, extra: Extra): void
  /** `reset()` and opt-out: the external id is forgotten. */
  _forget(): void
}

/**
 * Device data with the first request of a page view and the first after an identity change: a
 * profile gets it without every request paying for it, and a failed request carries it again.
 * The external id comes from the landing URL's `ufeid` (links in UserFlux messages), stored under
 * `key` as UserFlux's own SDK does, and goes with every request until `reset()`.
 */
export function createEnrichment(storage: SafeStorage, key: string, deviceData: boolean, canStore: () => boolean): Enrichment {
  // The identity ("userId anonymousId") a request with device data was last accepted for.
  let described: string | undefined
  const identity = (entry: { u?: string; a: string }) => entry.u + ' ' + entry.a
  try {
    const landed = new URLSearchParams(location.search).get('ufeid')
    if (landed && landed.length <= 256 && canStore()) storage._set(key, landed)
  } catch {
    // No location (SSR): nothing landed.
  }
  return {
    _extra(entry) {
      const extra: Extra = {}
      const externalId = storage._get(key)
      if (externalId) extra.externalId = externalId
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
