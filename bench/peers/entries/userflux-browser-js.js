// UserFlux's own browser SDK for profiles only, as its README configures it: no autoCapture (its
// default), the endpoint option pointed at the sink; identify({ userId, properties }) per update.
// Not on the npm registry this bench can reach: it runs when installed into bench/peers/node_modules
// (e.g. `npm pack` of github.com/userflux/browser-js, then `npm install --no-save <tarball>` there).
import UserFlux from '@userflux/browser-js'

let user
window.__sdk = {
  start: (host) => UserFlux.initialize('bench-write-key', { autoCapture: [], endpoint: host }),
  identify: (id, properties) => {
    user = id
    UserFlux.identify({ userId: user, properties: properties ?? {} })
  },
  set: (properties) => UserFlux.identify({ userId: user, properties }),
}
