#!/usr/bin/env node
/**
 * `npm start`: the local Integration API and the demo site, on two ports (two origins, as in
 * production).
 *   API_PORT (default 8787), DEMO_PORT (default 8080), UF_WRITE_KEY, UF_READ_WRITE_KEY (default: a
 *   random one, printed), UF_ALLOWED_HOSTS (host names both servers answer to besides the loopback ones),
 *   UF_DATA_DIR (default .data/ in the repository), the limits of demo/api/main.js. The API's /__test/
 *   routes are on (UF_TEST_CONTROL=0 turns them off): the demo server uses them, with their token
 *   (UF_TEST_TOKEN, else a random one), for the pages' live request log and fault switches.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { closeOnSignals, keysFromEnv, serverOptionsFromEnv } from './api/cli.js'
import { parseHostList } from './hosts.js'
import { createApiServer } from './api/server.js'
import { createDemoServer } from './site/server.js'

const repoRoot = fileURLToPath(new URL('../', import.meta.url))
const keys = keysFromEnv(process.env)
const { writeKey, readWriteKey } = keys
const allowedHosts = parseHostList(process.env.UF_ALLOWED_HOSTS)

const api = createApiServer({
  writeKey,
  readWriteKey,
  dataDir: process.env.UF_DATA_DIR || `${repoRoot}.data`,
  ...serverOptionsFromEnv(process.env),
  control: process.env.UF_TEST_CONTROL != '0',
  // The demo server reads /__test/ several times a second while a page is open: not worth a line each.
  log: (message) => /\/__test\/|\?demo=drain/.test(message) || console.log(`[api] ${message}`),
})
const { url: apiUrl } = await listenOn(api, 'API_PORT', 8787, 'the local Integration API')
const demo = createDemoServer({ apiUrl, writeKey, readWriteKey, testToken: api.testToken, allowedHosts })
const { url: demoUrl } = await listenOn(demo, 'DEMO_PORT', 8080, 'the demo site')

console.log(`Demo site:                        ${demoUrl}`)
console.log(`UserFlux Integration API (local): ${apiUrl}`)
for (const line of keys.lines) console.log(line)
if (api.testToken) console.log(`  test control routes under /__test/ (header x-uf-test-token: ${api.testToken})`)
if (!existsSync(`${repoRoot}dist/userflux.min.js`)) console.warn('dist/ is missing: run `npm run build` (npm start does it for you).')
console.log('Ctrl-C to stop.')
closeOnSignals(() => Promise.all([demo.close(), api.close()]))

/**
 * Listens on the port `variable` names (or its default). A port already taken is the usual first-run
 * problem (another `npm start`, another dev server): say which variable picks another, not a stack trace.
 */
async function listenOn(server, variable, fallback, what) {
  const port = Number(process.env[variable] || fallback)
  try {
    return await server.listen(port)
  } catch (error) {
    if (error.code != 'EADDRINUSE' && error.code != 'EACCES') throw error
    const reason = error.code == 'EADDRINUSE' ? 'is already in use' : 'is not allowed'
    console.error(`Port ${port} (${what}) ${reason}. Set ${variable} to another port, e.g. ${variable}=${port + 1} npm start`)
    process.exit(1)
  }
}

