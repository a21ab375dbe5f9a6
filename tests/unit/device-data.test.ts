import { afterEach, describe, expect, it, vi } from 'vitest'
import { collectDeviceData } from '../../src/features/device-data.js'

afterEach(() => vi.unstubAllGlobals())

const device = (userAgent: string) => {
  vi.stubGlobal('navigator', { userAgent, language: 'en-GB' })
  vi.stubGlobal('screen', { width: 1920, height: 1080 })
  vi.stubGlobal('innerWidth', 1280)
  vi.stubGlobal('innerHeight', 720)
  return collectDeviceData()
}

// UserFlux's SDK's vocabulary and order: Edge and Opera report Chrome, iOS Firefox reports Safari.
describe('collectDeviceData', () => {
  it.each([
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome', '131', 'Desktop', 'Mac OS X'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Chrome', '131', 'Desktop', 'Windows'],
    ['Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36', 'Chrome', '122', 'Mobile', 'Android'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1', 'Chrome', '131.0.6778.73', 'Mobile', 'iOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', 'Safari', '18.1', 'Mobile', 'iOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15', 'Safari', 'Unknown', 'Mobile', 'iOS'],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox', '133.0', 'Desktop', 'Linux'],
    ['curl/8.5.0', 'Unknown', 'Unknown', 'Desktop', 'Unknown'],
  ])('%s', (userAgent, browser, browserVersion, deviceType, os) => {
    expect(device(userAgent)).toEqual({
      userAgent,
      browser,
      browserVersion,
      deviceType,
      os,
      screenWidth: 1920,
      screenHeight: 1080,
      browserWidth: 1280,
      browserHeight: 720,
      browserLanguage: 'en-GB',
    })
  })
  it('caps the user agent at 512 characters', () => {
    expect(device('Mozilla/5.0 ' + 'x'.repeat(2000)).userAgent).toHaveLength(512)
  })
  it('leaves out what the browser does not say (JSON drops undefined)', () => {
    vi.stubGlobal('navigator', { userAgent: 'Firefox/1' })
    vi.stubGlobal('screen', {})
    vi.stubGlobal('innerWidth', undefined)
    vi.stubGlobal('innerHeight', undefined)
    expect(JSON.parse(JSON.stringify(collectDeviceData()))).toEqual({ userAgent: 'Firefox/1', browser: 'Firefox', browserVersion: '1', deviceType: 'Desktop', os: 'Unknown' })
  })
})

describe('collectDeviceData on a page that broke what it reads (issue 25 case 13)', () => {
  it('a getter that throws leaves its field out; the rest is collected and nothing throws', () => {
    const throwing = (name: string) => ({ get: () => { throw new Error(name + ' unavailable') } })
    vi.stubGlobal('navigator', Object.defineProperties({}, { userAgent: throwing('userAgent'), language: { value: 'en-GB' } }))
    vi.stubGlobal('screen', Object.defineProperties({}, { width: throwing('width'), height: { value: 1080 } }))
    vi.stubGlobal('innerWidth', 1280)
    vi.stubGlobal('innerHeight', 720)
    const data = collectDeviceData()
    expect(data.userAgent).toBe('')
    expect(data.screenWidth).toBeUndefined()
    expect(data).toMatchObject({ browser: 'Unknown', screenHeight: 1080, browserWidth: 1280, browserLanguage: 'en-GB' })
    expect(JSON.parse(JSON.stringify(data))).not.toHaveProperty('screenWidth')
  })
})
