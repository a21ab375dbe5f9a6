// The Chromium every bench runs in: Debian's (or CHROMIUM_PATH), headless, with the flags
// tests/support/chromium.ts uses (no sandbox as root, no phoning home, which would add requests).
import { existsSync } from 'node:fs'
import { chromium } from 'playwright'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export const findChromium = () => [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path))

export const launchChromium = () => chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true })
