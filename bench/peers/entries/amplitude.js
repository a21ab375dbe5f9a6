// Amplitude Browser SDK 2 for user properties only: autocapture off (and its remote configuration,
// which only serves autocapture and replay), setUserId, identify(new Identify().set(…)) per update.
import * as amplitude from '@amplitude/analytics-browser'

const set = (properties) => {
  const identify = new amplitude.Identify()
  for (const key in properties) identify.set(key, properties[key])
  amplitude.identify(identify)
}

window.__sdk = {
  start: (host) => amplitude.init('bench-api-key', { serverUrl: host + '/2/httpapi', autocapture: false, fetchRemoteConfig: false }).promise,
  identify: (user, properties) => {
    amplitude.setUserId(user)
    if (properties) set(properties)
  },
  set,
  flush: () => amplitude.flush().promise,
}
