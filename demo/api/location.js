/**
 * locationData from a request, for `locationEnrichment=true`. There is no GeoIP database offline, so
 * the country comes only from headers that CDNs in front of a site set (Cloudflare, Vercel,
 * CloudFront); otherwise it is null and `source` says why. X-Forwarded-For is trusted as the real
 * service trusts its own load balancer: this server is for local use only.
 */
import { isIP } from 'node:net'

const COUNTRY_HEADERS = ['cf-ipcountry', 'x-vercel-ip-country', 'cloudfront-viewer-country']

/** @param {string} ip */
function classify(ip) {
  if (ip == '::1' || ip.startsWith('127.')) return 'loopback'
  if (/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|f[cd]|fe80:)/i.test(ip)) return 'private'
  return 'public'
}

/** `en-GB,en;q=0.8,fr;q=0.5` → ['en-GB', 'en', 'fr'] (by preference). */
export function parseAcceptLanguage(header) {
  if (!header) return []
  return header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)).find(Boolean)
      return { tag: tag.trim(), q: q ? Number(q[1]) : 1, index }
    })
    .filter(({ tag, q }) => tag && tag != '*' && q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ tag }) => tag)
}

/**
 * @param {import('node:http').IncomingMessage} request
 * @returns {{ ip: string | null, country: string | null, region: string | null, city: string | null, languages: string[], source: string }}
 */
export function locationDataFromRequest(request) {
  const headers = request.headers
  const forwarded = String(headers['x-forwarded-for'] || '').split(',')[0].trim()
  const socketIp = (request.socket.remoteAddress || '').replace(/^::ffff:/, '')
  const ip = isIP(forwarded) ? forwarded : isIP(socketIp) ? socketIp : null
  const countryHeader = COUNTRY_HEADERS.find((name) => /^[A-Za-z]{2}$/.test(String(headers[name] || '')) && String(headers[name]).toUpperCase() != 'XX')
  const decoded = (name) => {
    try {
      return headers[name] ? decodeURIComponent(String(headers[name])) : null
    } catch {
      return String(headers[name])
    }
  }
  const kind = ip ? classify(ip) : 'unknown'
  return {
    ip,
    country: countryHeader ? String(headers[countryHeader]).toUpperCase() : null,
    region: decoded('x-vercel-ip-country-region'),
    city: decoded('x-vercel-ip-city'),
    languages: parseAcceptLanguage(headers['accept-language']),
    // Where the country came from, or why there is none.
    source: countryHeader ? `header:${countryHeader}` : kind == 'public' ? 'unresolved' : kind,
  }
}
