// `npm start` on a busy port (issue 11): a sentence naming the variable to set, not a stack trace.
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
