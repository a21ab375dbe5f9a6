#!/usr/bin/env node
/**
 * Runs the local Integration API from the command line.
 *   API_PORT           port (default 8787)
 *   UF_WRITE_KEY       Write Only key (default demo-write-key)
 *   UF_READ_WRITE_KEY  Read + Write key (default: a random one, printed)
 *   UF_ALLOWED_HOSTS   host names it answers to besides localhost, 127.0.0.1, [::1] (comma-separated)
 *   UF_DATA_DIR        where the log and snapshots are kept (default .data/ in the repository; gitignored)
 *   UF_TEST_CONTROL=1  enable the /__test/ routes; UF_TEST_TOKEN their token (default: a random one, printed)
 *   UF_MAX_PROFILE_BYTES, UF_MAX_STORE_BYTES, UF_COMPACT_BYTES, UF_HEADERS_TIMEOUT_MS,
 *   UF_REQUEST_TIMEOUT_MS, UF_MAX_CONNECTIONS, UF_MAX_LOG_BYTES   limits (see demo/api/server.js)
 */
import { fileURLToPath } from 'node:url'
import { createApiServer } from './server.js'
import { closeOnSignals, keysFromEnv, serverOptionsFromEnv } from './cli.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const keys = keysFromEnv(process.env)

const api = createApiServer({
  writeKey: keys.writeKey,
  readWriteKey: keys.readWriteKey,
  dataDir: process.env.UF_DATA_DIR || `${repoRoot}.data`,
  ...serverOptionsFromEnv(process.env),
  log: process.env.UF_QUIET != '1',
})
const { url } = await api.listen(Number(process.env.API_PORT || 8787))
console.log(`UserFlux Integration API (local) on ${url}`)
for (const line of keys.lines) console.log(line)
if (api.testToken) console.log(`  test control routes enabled under /__test/ (header x-uf-test-token: ${api.testToken})`)
closeOnSignals(() => api.close())
