import { spawn } from 'node:child_process'

const MAIN = new URL('../../demo/api/main.js', import.meta.url).pathname

/**
 * Starts the local Integration API as its own process (`node demo/api/main.js`, or `main`) on a free
 * port, storing in `dataDir`, so that it can be SIGKILLed; resolves with the child and its URL once
 * it listens, rejects if it exits first. Used by the crash test and `npm run bench:api`.
 */
export function spawnApi(dataDir, { env = {}, main = MAIN } = {}) {
  // The command line makes a random Read + Write key unless told one: the tests and the bench read
  // with the documented one (tests/api/helpers.js READ_WRITE_KEY).
  const keys = { UF_WRITE_KEY: 'demo-write-key', UF_READ_WRITE_KEY: 'demo-read-write-key' }
  const child = spawn(process.execPath, [main], { env: { ...process.env, API_PORT: '0', UF_DATA_DIR: dataDir, UF_QUIET: '1', ...keys, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const listening = new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match) resolve({ child, url: match[1] })
    })
    child.on('exit', (code) => reject(new Error(`the API exited (${code}) before listening: ${out}`)))
  })
  return { child, listening }
}
