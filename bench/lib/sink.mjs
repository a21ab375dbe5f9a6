// A stand-in for every SDK's ingestion API on 127.0.0.1: answers anything (CORS preflights too) and
// keeps what arrived, so a bench can count requests and bytes and read back the values delivered.
import { createServer } from 'node:http'
import { gunzipSync } from 'node:zlib'

/** The JSON an SDK sent, whatever its encoding: gzip, form-encoded `data=`, base64, or plain JSON. */
export function decode(body, url) {
  let text = body
  if (body[0] == 0x1f && body[1] == 0x8b) {
    try {
      text = gunzipSync(body)
    } catch {
      return undefined
    }
  }
  text = text.toString('utf8')
  const json = (value) => {
    try {
      return JSON.parse(value)
    } catch {
      return undefined
    }
  }
  const base64 = (value) => json(Buffer.from(value, 'base64').toString('utf8'))
  const direct = json(text)
  if (direct !== undefined) return direct
  // Mixpanel and PostHog's fallback: `data=` in a form body or the query string, JSON or base64 JSON.
  for (const params of [new URLSearchParams(text), new URL(url, 'http://x').searchParams]) {
    const data = params.get('data')
    if (data) return json(data) ?? base64(data)
  }
  return base64(text.trim())
}


export async function createSink() {
  let requests = []
  const server = createServer((request, response) => {
    const chunks = []
    request.on('data', (chunk) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      // Header bytes as they came (name: value CRLF, the request line), to count what went up the wire.
      const headerBytes = `${request.method} ${request.url} HTTP/1.1\r\n`.length + request.rawHeaders.reduce((sum, part) => sum + part.length + 2, 0) + 2
      requests.push({ at: Date.now(), method: request.method, url: request.url, bytes: body.length + headerBytes, body, json: request.method == 'OPTIONS' ? undefined : decode(body, request.url) })
      const origin = request.headers.origin
      const headers = {
        'access-control-allow-origin': origin || '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
        'access-control-allow-headers': request.headers['access-control-request-headers'] || '*',
        'access-control-max-age': '600',
        // The bench page is cross-origin isolated (for precise timers); answers must allow that.
        'cross-origin-resource-policy': 'cross-origin',
      }
      // 200 with what each SDK reads as success, else it retries: Amplitude wants `code: 200`,
      // Mixpanel's verbose mode `status: 1`; the others (and our snippet) only read the HTTP status.
      if (request.method == 'OPTIONS') response.writeHead(204, headers).end()
      else response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end('{"code":200,"status":1,"error":null}')
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get requests() {
      return requests
    },
    reset: () => (requests = []),
    /** Resolves once nothing arrived for `quietMs`, and at least `minMs` after the call, at most `maxMs`. */
    async settle({ minMs = 0, quietMs = 1000, maxMs = 30_000 } = {}) {
      const start = Date.now()
      for (;;) {
        const now = Date.now()
        const last = requests.at(-1)?.at ?? start
        if ((now - start >= minMs && now - last >= quietMs) || now - start >= maxMs) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    },
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Walks what arrived in order; the last value seen for each wanted key, at any depth. */
export function lastValues(requests, keys) {
  const wanted = new Set(keys)
  const last = new Map()
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk)
    if (!node || typeof node != 'object') return
    for (const [key, value] of Object.entries(node)) {
      if (wanted.has(key)) last.set(key, value)
      walk(value)
    }
  }
  for (const request of requests) walk(request.json)
  return last
}

/** How many of `expected`'s keys arrived with their final value (compared as JSON). */
export function delivered(requests, expected) {
  const last = lastValues(requests, Object.keys(expected))
  return Object.entries(expected).filter(([key, value]) => last.has(key) && JSON.stringify(last.get(key)) == JSON.stringify(value)).length
}
