// mixpanel-browser for people properties only: no autocapture, page views or session recording;
// identify(id), then people.set(properties).
import mixpanel from 'mixpanel-browser'

window.__sdk = {
  start: (host) =>
    new Promise((resolve) =>
      mixpanel.init('bench-token', { api_host: host, autocapture: false, track_pageview: false, record_sessions_percent: 0, loaded: () => resolve() }),
    ),
  identify: (user, properties) => {
    mixpanel.identify(user)
    if (properties) mixpanel.people.set(properties)
  },
  set: (properties) => mixpanel.people.set(properties),
}
