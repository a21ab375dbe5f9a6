import { createClient } from './client.js'
import type { Options, UserFluxClient } from './types.js'

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
// Every data-* attribute is the option of its camelCase name: "true" / "false" as booleans, any
// other value as written (data-cookie-domain="example.com"; numbers are read as such where used).
const options: Record<string, unknown> = {}
for (const name in data) options[name] = data[name] == 'true' || (data[name] != 'false' && data[name])

if (buffered && !Array.isArray(buffered)) {
  // Loaded twice: the first client stays the only one, so nothing is sent twice.
} else if (!data.writeKey) {
  console.error('userflux: data-write-key is required')
} else {
  try {
    replay(
      (window.userflux = createClient(options as unknown as Options)),
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
