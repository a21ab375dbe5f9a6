/**
 * `Headers`, `Request` and `Response` (Fetch §5, https://fetch.spec.whatwg.org/#fetch-api), only as far
 * as the bundle's cut-down ky 1.7.5 and its transport use them: ky builds
 * `new Request(url, { method, headers: new Headers(...), body, keepalive, signal, ... })` and calls
 * `fetch(request, {})`; the transport reads `ok`, `status`, `headers.get('retry-after')` and `text()`.
 * Bodies are strings (the bundle only sends JSON text). Node's own classes are not used: their body
 * reading goes through streams whose scheduling is not ours to replay.
 */
export class Headers {
  #map = new Map()
  constructor(init) {
    if (init instanceof Headers) init.forEach((value, name) => this.set(name, value))
    else if (Array.isArray(init)) for (const [name, value] of init) this.append(name, value)
    else if (init && typeof init == 'object') for (const name of Object.keys(init)) this.append(name, init[name])
  }
  append(name, value) {
    const key = String(name).toLowerCase()
    this.#map.set(key, this.#map.has(key) ? this.#map.get(key) + ', ' + value : String(value))
  }
  set(name, value) {
    this.#map.set(String(name).toLowerCase(), String(value))
  }
  get(name) {
    return this.#map.get(String(name).toLowerCase()) ?? null
  }
  has(name) {
    return this.#map.has(String(name).toLowerCase())
  }
  delete(name) {
    this.#map.delete(String(name).toLowerCase())
  }
  forEach(callback) {
    for (const [name, value] of this.#map) callback(value, name, this)
  }
  *entries() {
    yield* this.#map
  }
  [Symbol.iterator]() {
    return this.#map[Symbol.iterator]()
  }
}

export class Request {
  constructor(input, init = {}) {
    const from = input instanceof Request ? input : undefined
    this.url = from ? from.url : String(input)
    this.method = String(init.method ?? from?.method ?? 'GET').toUpperCase()
    this.headers = new Headers(init.headers ?? from?.headers)
    this.body = init.body ?? from?.body ?? null
    this.keepalive = !!(init.keepalive ?? from?.keepalive)
    this.signal = init.signal ?? from?.signal ?? new AbortController().signal
    this.bodyUsed = false
  }
  clone() {
    return new Request(this)
  }
}

export class Response {
  constructor(body = null, init = {}) {
    this.status = init.status ?? 200
    this.statusText = init.statusText ?? ''
    this.ok = this.status >= 200 && this.status <= 299
    this.headers = new Headers(init.headers)
    this.type = 'cors'
    this.redirected = false
    this.url = init.url ?? ''
    this.bodyUsed = false
    this.#body = body == null ? '' : String(body)
  }
  #body
  async text() {
    this.bodyUsed = true
    return this.#body
  }
  async json() {
    return JSON.parse(await this.text())
  }
  clone() {
    return new Response(this.#body, this)
  }
}
