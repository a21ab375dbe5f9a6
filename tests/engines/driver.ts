/**
 * One thin interface over the three browser engines of SPEC §9, so that a scenario is written once:
 * Chromium through Playwright, Firefox (Debian's firefox-esr) through puppeteer-core over WebDriver
 * BiDi, WebKit (Debian's WebKitWebDriver + MiniBrowser) through WebDriver classic under Xvfb.
 * Only what the scenarios need: fresh visitors, tabs, navigation and script evaluation.
 */
import { existsSync } from 'node:fs'

export type EngineName = 'chromium' | 'firefox' | 'webkit'
export const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit']

export interface Engine {
  name: EngineName
  /** The browser's own version string, as it reports it. */
  version: string
  /** A new visitor: a profile with its own, empty storage. One at a time per engine. */
  newVisitor(): Promise<Visitor>
  close(): Promise<void>
}

export interface Visitor {
  /** A new tab of this visitor, loaded with `url` (resolves after its load event). */
  open(url: string): Promise<Tab>
  /** Closes every tab and forgets the visitor's storage. */
  close(): Promise<void>
}

export interface Tab {
  /**
   * The value of a JavaScript expression in the page (awaited if it is a promise); it must be
   * JSON-serialisable. Runs as the automation protocol's own script, so the page's CSP does not apply.
   */
  evaluate<T = unknown>(expression: string): Promise<T>
  /** Navigates this tab (resolves after the new page's load event): the old page is unloaded. */
  goto(url: string): Promise<void>
  reload(): Promise<void>
  /** Closes the tab as a user does: `pagehide` runs, no `beforeunload` prompt. */
  close(): Promise<void>
}

/** The executable of each engine: an environment variable overrides Debian's path. */
export const BINARIES: Record<EngineName, { env: string; paths: string[]; apt: string }> = {
  chromium: { env: 'CHROMIUM_PATH', paths: ['/usr/bin/chromium', '/usr/bin/chromium-browser'], apt: 'chromium' },
  firefox: { env: 'FIREFOX_PATH', paths: ['/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox-esr'], apt: 'firefox-esr' },
  webkit: { env: 'WEBKIT_WEBDRIVER_PATH', paths: ['/usr/bin/WebKitWebDriver'], apt: 'webkit2gtk-driver' },
}

/** The engine's executable, or a thrown error saying how to install it: a missing browser fails, never skips. */
export function findBinary(engine: EngineName): string {
  const { env, paths, apt } = BINARIES[engine]
  const candidates = [process.env[env], ...paths].filter((path): path is string => !!path)
  const found = candidates.find((path) => existsSync(path))
  if (!found) throw new Error(`${engine}: no executable at ${candidates.join(', ')}; install it (apt-get install ${apt}) or set ${env}`)
  return found
}

export async function launch(engine: EngineName): Promise<Engine> {
  const module =
    engine == 'chromium' ? await import('./chromium.js')
    : engine == 'firefox' ? await import('./firefox.js')
    : await import('./webkit.js')
  return module.launch()
}
