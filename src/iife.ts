import { createClient } from './client.js'
import type { UserFluxClient } from './types.js'

type Call = [method: string, ...args: unknown[]]
declare global {
  interface Window {
    /** The client, or before the script arrives, the calls buffered by the loader stub. */
    userflux?: UserFluxClient | (Call[] & Record<string, unknown>)
  }
}

// The script tag entry: a client configured from this tag's data-* attributes, on window.userflux.
// currentScript is set while a classic script runs, async ones included.
const data = (document.currentScript as HTMLScriptElement | null)?.dataset || {}
const buffered = window.userflux
// data-x="true" / "false" as booleans, any other value as it is (data-cookie-domain="example.com").
const flag = (value?: string) => value == 'true' || (value != 'false' && value)

if (buffered && !Array.isArray(buffered)) {
  // Loaded twice: the first client stays the only one, so nothing is sent twice.
} else if (!data.writeKey) {
  console.error('userflux: data-write-key is required')
} else {
  try {
    replay(
      (window.userflux = createClient({
        writeKey: data.writeKey,
        endpoint: data.endpoint,
        locationEnrichment: data.locationEnrichment == 'true',
        debug: data.debug == 'true',
        deviceData: flag(data.deviceData) as boolean,
        blockBots: flag(data.blockBots) as boolean,
        attribution: flag(data.attribution) as boolean,
        cookieDomain: flag(data.cookieDomain),
        cookieExpiryDays: data.cookieExpiryDays as any,
        anonymousId: data.anonymousId,
      })),
    )
  } catch (error) {
    // A bad data-endpoint: the page must go on.
    console.error(String(error))
  }
}

function replay(client: UserFluxClient) {
  // Calls made before the script arrived, in the order they were made.
  for (const [method, ...args] of (buffered as Call[] | undefined) || []) {
    ;(client as any)[method]?.(...args)
  }
}
