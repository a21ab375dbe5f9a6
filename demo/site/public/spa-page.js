// The single-page-app page: the ESM build through the import map, configured from meta tags the
// server fills in (no inline script under the page's CSP).
import { createClient } from 'userflux-snippet'
import { mountDemo } from './demo-ui.js'

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content

const uf = createClient({
  writeKey: meta('uf-write-key'),
  endpoint: meta('uf-endpoint'),
  locationEnrichment: true,
  // Shown under "Reported errors" (error-list.js) and in the Pending panel, both fed by the tap.
  onError: (error) => window.ufDemoTap.report(error),
  debug: true, // the Pending panel is built from the debug output (debug-tap.js)
})
window.userflux = uf // handy in the console and for end-to-end tests

mountDemo({ client: Promise.resolve(uf), calls: () => uf })
