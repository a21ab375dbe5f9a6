/**
 * Starts `server` on `host:port` (port 0: a free one) and resolves with where it listens. Shared by
 * the local Integration API and the demo site.
 * @param {import('node:http').Server} server
 * @returns {Promise<{ port: number, url: string }>}
 */
export function listen(server, port = 0, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = /** @type {import('node:net').AddressInfo} */ (server.address())
      resolve({ port: address.port, url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` })
    })
  })
}
