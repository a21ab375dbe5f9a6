// The page every sample loads: blank, cross-origin isolated so performance.now() has 5 µs resolution
// instead of 100 µs (a single call on a fresh page takes tens of µs), serving the SDK under test.
import { createServer } from 'node:http'

const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' }

/** `scripts`: name → code, served at /sdk/<name>.js. */
export async function createSite(scripts) {
  const server = createServer((request, response) => {
    const match = /^\/sdk\/([\w.-]+)\.js/.exec(request.url)
    if (match && scripts[match[1]] != null) return response.writeHead(200, { ...ISOLATED, 'content-type': 'text/javascript' }).end(scripts[match[1]])
    response.writeHead(200, { ...ISOLATED, 'content-type': 'text/html' }).end('<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body>bench</body></html>')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}
