/** Chromium through Playwright, launched as the e2e tests launch it. */
import { chromium } from 'playwright'
import { CHROMIUM_ARGS } from '../support/chromium.js'
import { findBinary, type Engine, type Tab } from './driver.js'

export async function launch(): Promise<Engine> {
  const browser = await chromium.launch({ executablePath: findBinary('chromium'), args: CHROMIUM_ARGS, headless: true })
  return {
    name: 'chromium',
    version: browser.version(),
    async newVisitor() {
      const context = await browser.newContext()
      return {
        async open(url) {
          const page = await context.newPage()
          const tab: Tab = {
            evaluate: (expression) => page.evaluate(expression),
            goto: async (url) => void (await page.goto(url)),
            reload: async () => void (await page.reload()),
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
