// Segment's analytics-next for traits only: identify(userId, traits). Its settings are given inline
// (`cdnSettings`) with the Segment.io destination pointed at the sink, so no settings fetch from
// Segment's CDN; no page() call, no device-mode destinations.
import { AnalyticsBrowser } from '@segment/analytics-next'

let analytics
window.__sdk = {
  start: async (host) => {
    analytics = AnalyticsBrowser.load({
      writeKey: 'bench-write-key',
      cdnSettings: { integrations: { 'Segment.io': { apiKey: 'bench-write-key', apiHost: host.replace(/^https?:\/\//, '') + '/v1', protocol: 'http' } } },
    })
    await new Promise((resolve) => analytics.ready(resolve))
  },
  identify: (user, traits) => analytics.identify(user, traits),
  set: (traits) => analytics.identify(traits),
}
