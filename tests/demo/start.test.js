// `npm start` on a busy port (issue 11): a sentence naming the variable to set, not a stack trace.
// Its Read + Write key (issue 19, item 9): random for each run unless UF_READ_WRITE_KEY sets it, printed.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const start = new URL('../../demo/start.js', import.meta.url).pathname
let busy
let busyPort
let dataDir

beforeAll(async () => {
  busy = createServer()
  await new Promise((resolve) => busy.listen(0, '127.0.0.1', resolve))
  busyPort = busy.address().port
  dataDir = mkdtempSync(join(tmpdir(), 'uf-start-'))
})
afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve))
  rmSync(dataDir, { recursive: true, force: true })
})

/** Runs demo/start.js with `env`; resolves with its exit code and output once it exits (or is stopped). */
function run(env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [start], { env: { ...process.env, UF_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    // A server that started instead of failing would run forever: stop it, and the test fails on the code.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('npm start on a busy port', () => {
  it.each([
    ['API_PORT', 'the local Integration API'],
    ['DEMO_PORT', 'the demo site'],
  ])('%s taken: says so and which variable to set, exits 1, no stack trace', async (variable, what) => {
    const other = variable == 'API_PORT' ? { DEMO_PORT: '0' } : { API_PORT: '0' }
    const { code, stderr } = await run({ [variable]: String(busyPort), ...other })
    expect(code).toBe(1)
    expect(stderr.trim()).toBe(`Port ${busyPort} (${what}) is already in use. Set ${variable} to another port, e.g. ${variable}=${busyPort + 1} npm start`)
    expect(stderr).not.toMatch(/^\s+at /m)
  })
})

/**
 * Runs demo/start.js on free ports until it says it is ready; resolves with what it printed, the two
 * URLs, and a stop function (SIGTERM, then waits for the exit).
 */
function startUntilReady(env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [start], { env: { ...process.env, UF_DATA_DIR: dataDir, API_PORT: '0', DEMO_PORT: '0', UF_READ_WRITE_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`not ready within 20 s: ${stdout}`))), 20_000)
    child.on('exit', (code) => reject(new Error(`exited (${code}) before it was ready: ${stdout}`)))
    let ready = false
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      if (ready || !stdout.includes('Ctrl-C to stop.')) return
      ready = true
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const stop = () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM')))
      resolve({ stdout, api: /Integration API \(local\): (\S+)/.exec(stdout)?.[1], site: /Demo site: +(\S+)/.exec(stdout)?.[1], stop })
    })
  })
}

const read = (apiUrl, key, userId = 'nobody') => fetch(`${apiUrl}/profile/${userId}`, { headers: { authorization: `Bearer ${key}` } }).then((response) => response.status)

describe('npm start and the Read + Write key', () => {
  it('unset: a random key for each run, printed; the documented default reads nothing', async () => {
    const keys = []
    for (let run = 0; run < 2; run++) {
      const { stdout, api, site, stop } = await startUntilReady()
      try {
        const key = /Read \+ Write key: (\S+) \(random for this run; UF_READ_WRITE_KEY sets one\)/.exec(stdout)?.[1]
        expect(key).toMatch(/^rw-[\w-]{24}$/)
        keys.push(key)
        expect(await read(api, key)).toBe(404) // accepted: no such user
        expect(await read(api, 'demo-read-write-key')).toBe(403)
        // The demo's profile view reads with the run's key, on the server.
        const sent = await fetch(`${api}/profile`, { method: 'POST', headers: { authorization: 'Bearer demo-write-key', 'content-type': 'application/json' }, body: '{"userId":"u-start"}' })
        expect(sent.status).toBe(204)
        expect((await fetch(`${site}/api/profile/u-start`)).status).toBe(200)
      } finally {
        await stop()
      }
    }
    expect(keys[0]).not.toBe(keys[1])
  })

  it('UF_READ_WRITE_KEY set: that key, said to come from the environment', async () => {
    const { stdout, api, stop } = await startUntilReady({ UF_READ_WRITE_KEY: 'my-own-secret' })
    try {
      expect(stdout).toContain('Read + Write key: my-own-secret (from the environment)')
      expect(await read(api, 'my-own-secret')).toBe(404)
    } finally {
      await stop()
    }
  })
})
