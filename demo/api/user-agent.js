/**
 * deviceData from a User-Agent string. Deliberately small: the common browsers and systems, matched
 * in an order that respects how UAs lie (Edge and Opera also say "Chrome", Chrome also says "Safari").
 * What it cannot tell it says so (null), rather than guessing: e.g. iPadOS 13+ sends a Mac UA, so an
 * iPad in desktop mode reads as a Mac desktop, and frozen UAs (Chrome's reduced UA) report a
 * placeholder OS version such as Windows "10" for Windows 11.
 */

// Order matters: the first match wins.
const BROWSERS = [
  ['Edge', /Edg(?:e|A|iOS)?\/([\d.]+)/],
  ['Opera', /(?:OPR|Opera)\/([\d.]+)/],
  ['Samsung Internet', /SamsungBrowser\/([\d.]+)/],
  ['Firefox', /(?:Firefox|FxiOS)\/([\d.]+)/],
  ['Chrome Headless', /HeadlessChrome\/([\d.]+)/],
  ['Chrome', /(?:Chrome|CriOS)\/([\d.]+)/],
  ['Safari', /Version\/([\d.]+).*Safari\//],
]

const WINDOWS_VERSIONS = { '10.0': '10', '6.3': '8.1', '6.2': '8', '6.1': '7' }

/** @returns {{ name: string, version: string | null } | null} */
function operatingSystem(ua) {
  let match
  if ((match = /Windows NT ([\d.]+)/.exec(ua))) return { name: 'Windows', version: WINDOWS_VERSIONS[match[1]] ?? match[1] }
  if ((match = /(?:iPhone|CPU) OS (\d+(?:_\d+)*)/.exec(ua))) return { name: 'iOS', version: match[1].replaceAll('_', '.') }
  if ((match = /Android ?([\d.]+)?/.exec(ua))) return { name: 'Android', version: match[1] ?? null }
  if ((match = /Mac OS X (\d+(?:[_.]\d+)*)/.exec(ua))) return { name: 'macOS', version: match[1].replaceAll('_', '.') }
  if (/CrOS/.test(ua)) return { name: 'ChromeOS', version: null }
  if (/Linux/.test(ua)) return { name: 'Linux', version: null }
  return null
}

function deviceType(ua) {
  if (/iPad|Tablet|PlayBook|Silk/.test(ua) || (/Android/.test(ua) && !/Mobile/.test(ua))) return 'tablet'
  if (/Mobi|iPhone|iPod|Android/.test(ua)) return 'mobile'
  return 'desktop'
}

/**
 * @param {string | undefined} ua
 * @returns {{ browser: string | null, browserVersion: string | null, os: string | null, osVersion: string | null, deviceType: 'desktop' | 'mobile' | 'tablet' | null, userAgent: string } | undefined}
 *   undefined without a User-Agent: nothing to learn, the stored deviceData is kept
 */
export function deviceDataFromUserAgent(ua) {
  if (!ua) return undefined
  const browser = BROWSERS.map(([name, pattern]) => [name, pattern.exec(ua)]).find(([, match]) => match)
  const os = operatingSystem(ua)
  return {
    browser: browser ? browser[0] : null,
    browserVersion: browser ? browser[1][1] : null,
    os: os ? os.name : null,
    osVersion: os ? os.version : null,
    // A UA naming neither a browser nor a system (curl, a bot) says nothing about the device.
    deviceType: browser || os ? deviceType(ua) : null,
    userAgent: ua,
  }
}
