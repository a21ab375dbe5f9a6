/** Child processes the WebKit driver needs (an X server, the WebDriver server), stopped by id. */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * A private Xvfb: MiniBrowser has no headless mode, and CI has no display. `-displayfd` makes Xvfb
 * pick a free display itself (no race with other X servers on the machine) and tell us which.
 */
export async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  if (!existsSync('/usr/bin/Xvfb')) throw new Error('webkit: /usr/bin/Xvfb is missing; install it (apt-get install xvfb)')
  const child = spawn('/usr/bin/Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  const display = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdio[3]!.on('data', (chunk) => {
      out += chunk
      if (out.includes('\n')) resolve(':' + out.trim())
    })
    child.on('exit', (code) => reject(new Error(`webkit: Xvfb exited (${code}): ${stderr.trim()}`)))
    setTimeout(() => reject(new Error(`webkit: Xvfb gave no display within 20 s: ${stderr.trim()}`)), 20_000).unref()
  })
  return { display, process: child }
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Polls `url` until it answers, or fails naming `what` if `child` dies or time runs out. */
export async function waitForServer(url: string, child: ChildProcess, what: string, timeout = 20_000) {
  const end = Date.now() + timeout
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`)
    try {
      await fetch(url)
      return
    } catch {
      if (Date.now() > end) throw new Error(`${what} did not answer at ${url} within ${timeout} ms`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/** Stops a child we started, by its own id; waits for it to be gone. */
export async function stop(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await gone
  clearTimeout(timer)
}
