/**
 * Small HTTP helpers shared by the API's routes: JSON answers, CORS and a size-capped body reader.
 * Node's standard library only, so the demo runs with `node` and nothing else.
 */

/** Request bodies above this are refused with 413 (the real API's limit is not published; 1 MiB is generous for a profile). */
export const MAX_BODY_BYTES = 1024 * 1024

/**
 * CORS for the answers of POST /profile (and its errors), the one route browsers call. The Origin is
 * echoed rather than `*` so that answers stay readable by any site, as the real API serves websites on
 * any origin; `Vary: Origin` keeps caches honest about it. GET /profile/{userId} and the /__test/
 * routes get none: they take secrets (the Read + Write key, the test token) that never belong in a
 * browser, so no other origin may read their answers.
 * `Retry-After` is not a CORS-safelisted response header: without exposing it a browser client could
 * not honour it on a cross-origin 429/503.
 * @param {import('node:http').IncomingMessage} request
 * @param {import('node:http').ServerResponse} response
 */
export function applyCors(request, response) {
  const origin = request.headers.origin
  response.setHeader('Vary', 'Origin')
  if (!origin) return
  response.setHeader('Access-Control-Allow-Origin', origin)
  response.setHeader('Access-Control-Expose-Headers', 'Retry-After')
}

/**
 * Answers a CORS preflight. Headers are listed one by one: the `*` wildcard never covers
 * `Authorization` (Fetch standard), so a browser would refuse to send the key.
 * @param {import('node:http').ServerResponse} response
 */
export function answerPreflight(response) {
  response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS')
  response.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type')
  response.setHeader('Access-Control-Max-Age', '600')
  response.writeHead(204).end()
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
export function sendJson(response, status, body, headers = {}) {
  if (response.headersSent || response.destroyed) return
  const text = JSON.stringify(body)
  response.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
  response.end(text)
}

/** The error shape of every non-2xx answer: a stable machine code and a sentence for humans. */
export function sendError(response, status, error, message, headers = {}) {
  sendJson(response, status, { error, message }, headers)
}

/**
 * Reads a request body up to `limit` bytes. Past the limit it stops collecting and resolves
 * `{ tooLarge: true }` at once (a declared Content-Length over the limit is refused before reading),
 * so the caller can answer 413 and close the connection instead of buffering an attacker's upload.
 * With `keep: false` the bytes are counted and dropped as they come (an unauthenticated request's
 * body is never needed): `bytes` is then empty.
 * @param {import('node:http').IncomingMessage} request
 * @param {number} [limit]
 * @param {{ keep?: boolean }} [options]
 * @returns {Promise<{ bytes: Buffer, tooLarge: false } | { bytes: null, tooLarge: true }>}
 */
export function readBody(request, limit = MAX_BODY_BYTES, { keep = true } = {}) {
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length']) > limit) return resolve({ bytes: null, tooLarge: true })
    const chunks = []
    let size = 0
    const onData = (chunk) => {
      size += chunk.length
      if (size > limit) {
        request.off('data', onData)
        request.pause()
        return resolve({ bytes: null, tooLarge: true })
      }
      if (keep) chunks.push(chunk)
    }
    request.on('data', onData)
    request.on('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge: false }))
    request.on('error', reject)
  })
}

/** The media type and charset of a Content-Type header, lower-cased (`charset` undefined when absent). */
export function parseContentType(value) {
  if (typeof value != 'string') return { type: '', charset: undefined }
  const [type, ...params] = value.split(';')
  const charset = params.map((param) => /^\s*charset\s*=\s*"?([^";\s]*)"?\s*$/i.exec(param)).find(Boolean)
  return { type: type.trim().toLowerCase(), charset: charset ? charset[1].toLowerCase() : undefined }
}

/**
 * Decodes a body by its declared charset (UTF-8 when none, as JSON is). Latin-1 and the other
 * encodings the WHATWG Encoding standard knows are decoded as they say; an unknown one is undefined,
 * for a 415.
 * @param {Buffer} bytes
 * @param {string | undefined} charset
 * @returns {string | undefined}
 */
export function decodeBody(bytes, charset) {
  if (!charset || charset == 'utf-8' || charset == 'utf8') return bytes.toString('utf8')
  try {
    return new TextDecoder(charset).decode(bytes)
  } catch {
    return undefined
  }
}

/** Whether a Content-Type names JSON (`application/json`, any parameters such as charset). */
export function isJsonContentType(value) {
  return parseContentType(value).type == 'application/json'
}
