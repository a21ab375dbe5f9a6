/** The `deviceData` object of a profile request, with the fields and vocabulary of UserFlux's own SDK. */
export type DeviceData = Record<string, string | number>

// [browser, version pattern], checked in this order, as UserFlux's SDK does: so Edge and Opera
// report Chrome and iOS Firefox reports Safari there too, and profiles from both SDKs compare.
const BROWSERS: [string, RegExp, RegExp][] = [
  ['Chrome', /Chrome/, /Chrome\/(\d+)/],
  ['Chrome', /CriOS/, /CriOS\/([\d.]+)/],
  ['Safari', /Safari/, /Version\/([\d.]+)/],
  ['Firefox', /Firefox/, /Firefox\/([\d.]+)/],
  ['Internet Explorer', /MSIE|Trident/, /(?:MSIE |rv:)([\d.]+)/],
]
const SYSTEMS: [string, RegExp][] = [
  ['iOS', /iPhone|iPad|iPod/i],
  ['Mac OS X', /Mac OS X/],
  ['Windows', /Windows NT/],
  ['Android', /Android/],
  ['Linux', /Linux/],
]

/** What the browser says about itself. Strings are capped: the body must stay far under 64 KiB. */
export function collectDeviceData(): DeviceData {
  const { navigator: nav, screen } = globalThis
  const userAgent = String(nav?.userAgent || '').slice(0, 512)
  const [browser, , version] = BROWSERS.find(([, test]) => test.test(userAgent)) || ['Unknown']
  const data: Record<string, unknown> = {
    userAgent,
    browser,
    browserVersion: version?.exec(userAgent)?.[1] || 'Unknown',
    deviceType: /Mobi|Android/i.test(userAgent) ? 'Mobile' : 'Desktop',
    os: (SYSTEMS.find(([, test]) => test.test(userAgent)) || ['Unknown'])[0],
    screenWidth: screen?.width,
    screenHeight: screen?.height,
    browserWidth: globalThis.innerWidth,
    browserHeight: globalThis.innerHeight,
    browserLanguage: String(nav?.language || '').slice(0, 64) || undefined,
  }
  // Missing fields are left out, as UserFlux's SDK removes its null ones.
  for (const key in data) if (data[key] == null) delete data[key]
  return data as DeviceData
}
