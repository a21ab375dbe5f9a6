// Runs before the tests: make sure the three engines of SPEC §9 are there, so that `npm test` alone
// sets up a fresh machine. Chromium: CHROMIUM_PATH, the system's (Debian: apt-get install chromium),
// or Playwright's own where neither exists. Firefox and WebKit only come from Debian here
// (firefox-esr; webkit2gtk-driver's WebKitWebDriver with MiniBrowser, which needs Xvfb): installed
// with apt-get when missing and this runs as root, else named so a person can install them.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright'

const has = (...paths) => paths.some((path) => path && existsSync(path))
const debian = {
  chromium: () => has(process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser') || existsSync(chromium.executablePath()),
  'firefox-esr': () => has(process.env.FIREFOX_PATH, '/usr/bin/firefox-esr'),
  'webkit2gtk-driver': () => has('/usr/bin/WebKitWebDriver'),
  xvfb: () => has('/usr/bin/Xvfb'),
}
const missing = Object.keys(debian).filter((name) => !debian[name]())
if (missing.length) {
  const command = `apt-get install -y ${missing.join(' ')}`
  if (process.getuid?.() === 0 && has('/usr/bin/apt-get')) {
    console.log(`browsers: installing ${missing.join(', ')} (${command})`)
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${command} -qq`, { stdio: 'inherit' })
  } else if (missing.length == 1 && missing[0] == 'chromium') {
    console.log("chromium: none found, installing Playwright's own (npx playwright install chromium)")
    execSync('npx playwright install chromium', { stdio: 'inherit' })
  } else {
    console.error(`browsers: missing ${missing.join(', ')}; on Debian: sudo ${command}`)
    process.exit(1)
  }
}
console.log('browsers: chromium, firefox-esr, WebKitWebDriver and Xvfb found')
