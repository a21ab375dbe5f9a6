/**
 * The visitor's address, passed on to the Integration API for `locationEnrichment`. The API locates
 * the visitor from the first `X-Forwarded-For` entry of the request it gets (the local API of
 * demo/api does, demo/api/location.js; else the connection's address), so a proxy that passed
 * nothing would have every visitor located at the site's server.
 */

// Set by toNodeHandler: a Request has no socket, and a header would be one a client could send too.
const socketAddresses = new WeakMap<Request, string>()

export const rememberSocketAddress = (request: Request, address: string | undefined) => {
  if (address) socketAddresses.set(request, address)
}

/** An IPv4 or IPv6 address as text (Node gives IPv4 clients of a dual-stack socket as `::ffff:a.b.c.d`). */
export function cleanAddress(value: string | null | undefined): string | null {
  const address = (value || '').trim().replace(/^::ffff:(?=\d+\.)/i, '')
  // Only the characters of an address: anything else is not passed on (this goes into a header).
  return /^[\da-f:.]{2,45}$/i.test(address) && /[.:]/.test(address) ? address : null
}

/**
 * The default `clientAddress`: the socket's address from toNodeHandler, else the first
 * `X-Forwarded-For` entry (set by Vercel, Netlify, Cloudflare and most hosting platforms, and by
 * `next start`), else `X-Real-IP`.
 */
export function defaultClientAddress(request: Request): string | null {
  return socketAddresses.get(request) ?? request.headers.get('x-forwarded-for')?.split(',')[0] ?? request.headers.get('x-real-ip')
}
