/**
 * Firefox (Debian's firefox-esr) through puppeteer-core over WebDriver BiDi; Playwright's own Firefox
 * cannot be downloaded here and its BiDi channel does not drive firefox-esr. puppeteer-core never
 * downloads a browser.
 */
import puppeteer from 'puppeteer-core'
import { findBinary, type Engine, type Tab } from './driver.js'

export async function launch(): Promise<Engine> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: findBinary('firefox'),
    headless: true,
    // A closed network: no update checks, telemetry or remote settings.
    extraPrefsFirefox: { 'network.proxy.type': 0, 'app.update.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false },
  })
  return {
    name: 'firefox',
    version: (await browser.version()).replace('firefox/', ''),
    async newVisitor() {
      // A BiDi user context: its own cookies and storage, like a private window.
      const context = await browser.createBrowserContext()
      return {
        async open(url) {
          const page = await context.newPage()
          const tab: Tab = {
            evaluate: (expression) => page.evaluate(expression) as Promise<any>,
            goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
            reload: async () => void (await page.reload({ waitUntil: 'load' })),
            close: () => page.close({ runBeforeUnload: false }),
          }
          await tab.goto(url)
          return tab
        },
        close: () => context.close(),
      }
    },
    close: () => browser.close(),
  }
}
