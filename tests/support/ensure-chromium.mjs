// Runs before the tests: make sure there is a Chromium to drive. Prefers CHROMIUM_PATH or the
// system's (Debian: apt-get install chromium), and installs Playwright's own only where neither exists.
import { execSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chromium } from 'playwright'

const system = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p))
if (system) {
  console.log(`chromium: ${system}`)
} else if (existsSync(chromium.executablePath())) {
  console.log(`chromium: Playwright's own at ${chromium.executablePath()}`)
} else {
  console.log('chromium: none found, installing Playwright\'s own (npx playwright install chromium)')
  execSync('npx playwright install chromium', { stdio: 'inherit' })
}
