// The script-tag page: /userflux.min.js (async) turns window.userflux from the stub's array into a
// client. Until then the controls call the stub, which buffers their calls.
import { mountDemo } from './demo-ui.js'

const isClient = () => window.userflux && !Array.isArray(window.userflux)

const client = new Promise((resolve, reject) => {
  if (isClient()) return resolve(window.userflux)
  const script = document.querySelector('script[src="/userflux.min.js"]')
  script.addEventListener('load', () => (isClient() ? resolve(window.userflux) : reject(new Error('userflux.min.js loaded but did not create a client'))))
  script.addEventListener('error', () => reject(new Error('/userflux.min.js did not load: run npm run build')))
})

mountDemo({ client, calls: () => window.userflux })
