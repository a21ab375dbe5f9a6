import { readSafely } from '../core/validate.js'

/** The `deviceData` object of a profile request, with the fields and vocabulary of UserFlux's own SDK. */
export type DeviceData = Record<string, string | number | undefined>

/**
 * What the browser says about itself (in a window: the caller checks). Browsers are checked in UserFlux's SDK's order, so Edge and
 * Opera report Chrome and iOS Firefox reports Safari as there, and profiles from both SDKs compare.
 * The user agent is capped: the body must stay far under 64 KiB.
 */
export function collectDeviceData(): DeviceData {
  const userAgent = String(readSafely(() => navigator.userAgent) ?? '').slice(0, 512)
  const has = (pattern: RegExp) => pattern.test(userAgent)
  const [browser, version] = has(/Chrome/)
    ? ['Chrome', /Chrome\/(\d+)/]
    : has(/CriOS/)
      ? ['Chrome', /CriOS\/([\d.]+)/]
      : has(/Safari/)
        ? ['Safari', /Version\/([\d.]+)/]
        : has(/Firefox/)
          ? ['Firefox', /Firefox\/([\d.]+)/]
          : // UserFlux's SDK has Internet Explorer next: this script's syntax never runs there.
              ['Unknown', /$^/]
  return {
    userAgent,
    browser,
    browserVersion: (version as RegExp).exec(userAgent)?.[1] || 'Unknown',
    deviceType: has(/Mobi|Android/i) ? 'Mobile' : 'Desktop',
    os: has(/iPhone|iPad|iPod/i)
      ? 'iOS'
      : has(/Mac OS X/)
        ? 'Mac OS X'
        : has(/Windows NT/)
          ? 'Windows'
          : has(/Android/)
            ? 'Android'
            : has(/Linux/)
              ? 'Linux'
              : 'Unknown',
    screenWidth: readSafely(() => screen.width),
    screenHeight: readSafely(() => screen.height),
    browserWidth: readSafely(() => innerWidth),
    browserHeight: readSafely(() => innerHeight),
    browserLanguage: readSafely(() => navigator.language),
  }
}
