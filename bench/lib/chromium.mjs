// The Chromium every bench runs in: Debian's (or CHROMIUM_PATH), headless, with the flags
// tests/support/chromium.ts uses (no sandbox as root, no phoning home, which would add requests).
import { existsSync } from 'node:fs'
import { chromium } from 'playwright'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export const findChromium = () => [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path))

/** `extraArgs`: more flags, e.g. host-resolver rules that keep SDKs off the internet. */
export const launchChromium = (extraArgs = []) => chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS, ...extraArgs], headless: true })

// Every host but 127.0.0.1 unresolvable: an SDK that calls home gets nowhere (and is not counted).
export const OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

/**
 * A new context that looks like a visitor's browser: headless Chromium's user agent says
 * "HeadlessChrome", which some SDKs (posthog-js) drop as a bot; every SDK gets the same agent.
 */
export const newVisitorContext = (browser) =>
  browser.newContext({ userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browser.version()} Safari/537.36` })
