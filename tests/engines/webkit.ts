/**
 * WebKit through Debian's WebKitWebDriver driving MiniBrowser (WebKitGTK), on a private Xvfb.
 * One WebDriver session per test file; its first window stays open on about:blank (closing a
 * session's last window ends the session), tabs are further windows. WebDriver classic has no
 * browser contexts, so a visitor is "new" because the previous one's storage is wiped when it closes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findBinary, type Engine, type Tab, type Visitor } from './driver.js'
import { freePort, startXvfb, stop, waitForServer } from './processes.js'
import { WebDriverSession } from './webdriver.js'

const MINIBROWSER = process.env.WEBKIT_MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'

export async function launch(): Promise<Engine> {
  const driverPath = findBinary('webkit')
  if (!existsSync(MINIBROWSER)) throw new Error(`webkit: no MiniBrowser at ${MINIBROWSER}; install webkit2gtk-driver or set WEBKIT_MINIBROWSER_PATH`)
  let xvfb: ChildProcess | undefined
  let driver: ChildProcess | undefined
  try {
    const x = await startXvfb()
    xvfb = x.process
    const port = await freePort()
    driver = spawn(driverPath, [`--port=${port}`, '--host=127.0.0.1'], { env: { ...process.env, DISPLAY: x.display }, stdio: 'ignore' })
    const base = `http://127.0.0.1:${port}`
    await waitForServer(base + '/status', driver, 'webkit: WebKitWebDriver')
    const session = await WebDriverSession.create(base, {
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    })
    await session.setTimeouts({ script: 60_000, pageLoad: 60_000 })
    return engine(session, async () => {
      await session.end().catch(() => {})
      await stop(driver)
      await stop(xvfb)
    })
  } catch (error) {
    await stop(driver)
    await stop(xvfb)
    throw error
  }
}

function engine(session: WebDriverSession, shutDown: () => Promise<void>): Engine {
  const anchor: Promise<string> = session.windowHandle()
  // WebDriver commands act on "the current window": one command at a time, each switching first.
  let current = ''
  let queue: Promise<unknown> = Promise.resolve()
  const onWindow = <T>(handle: string | Promise<string>, action: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      const target = await handle
      if (current != target) await session.switchTo(target)
      current = target
      return action()
    })
    queue = run.catch(() => {})
    return run
  }

  return {
    name: 'webkit',
    version: `MiniBrowser (WebKitGTK ${session.capabilities.browserVersion})`,
    async newVisitor(): Promise<Visitor> {
      const handles = new Set<string>()
      const origins = new Set<string>()
      return {
        async open(url) {
          const handle = await onWindow(anchor, () => session.newWindow())
          handles.add(handle)
          const tab: Tab = {
            evaluate: (expression) => onWindow(handle, () => evaluate(session, expression)),
            goto: (url) => {
              origins.add(new URL(url).origin)
              return onWindow(handle, () => session.navigate(url))
            },
            reload: () => onWindow(handle, () => session.refresh()),
            close: async () => {
              if (!handles.delete(handle)) return
              await onWindow(handle, () => session.closeWindow())
              current = ''
            },
          }
          await tab.goto(url)
          return tab
        },
        async close() {
          for (const handle of handles) await onWindow(handle, () => session.closeWindow().then(() => (current = '')))
          handles.clear()
          // The next visitor must find nothing of this one: wipe its origins' storage from the anchor window.
          for (const origin of origins) {
            await onWindow(anchor, async () => {
              await session.navigate(origin + '/__blank')
              await evaluate(session, 'localStorage.clear(), sessionStorage.clear()')
              await session.deleteCookies()
            })
          }
          await onWindow(anchor, () => session.navigate('about:blank'))
        },
      }
    },
    close: shutDown,
  }
}

/** Evaluates an expression as the other engines do: awaited, its error rethrown here. */
async function evaluate<T>(session: WebDriverSession, expression: string): Promise<T> {
  const body = `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${expression})).then(
  (value) => done({ value: value === undefined ? null : value }),
  (error) => done({ error: String(error && error.stack || error) }))`
  const result = await session.executeAsync(body)
  if (result && 'error' in result) throw new Error(`webkit: evaluation failed: ${result.error}`)
  return (result?.value ?? undefined) as T
}
