import { request } from 'node:http'

/**
 * One HTTP request to 127.0.0.1:`port` with exactly the headers given, Host included (fetch sets Host
 * itself): what a DNS-rebound page's requests look like to a local server. Resolves with the status,
 * the headers and the body as text.
 * @param {{ port: number, method?: string, path?: string, headers?: Record<string, string>, body?: string | Buffer }} options
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, text: string }>}
 */
export function rawRequest({ port, method = 'GET', path = '/', headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (text += chunk))
      res.on('end', () => resolve({ status: /** @type {number} */ (res.statusCode), headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}
