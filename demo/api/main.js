#!/usr/bin/env node
/**
 * Runs the local Integration API from the command line.
 *   API_PORT           port (default 8787)
 *   UF_WRITE_KEY       Write Only key (default demo-write-key)
 *   UF_READ_WRITE_KEY  Read + Write key (default demo-read-write-key)
 *   UF_DATA_DIR        where the log and snapshots are kept (default .data/ in the repository; gitignored)
 *   UF_TEST_CONTROL=1  enable the /__test/ routes; UF_TEST_TOKEN their token (default: a random one, printed)
 *   UF_MAX_PROFILE_BYTES, UF_MAX_STORE_BYTES, UF_COMPACT_BYTES, UF_HEADERS_TIMEOUT_MS,
 *   UF_REQUEST_TIMEOUT_MS, UF_MAX_CONNECTIONS   limits (see demo/api/server.js)
 */
import { fileURLToPath } from 'node:url'
import { createApiServer } from './server.js'
import { closeOnSignals, describeKeys, serverOptionsFromEnv } from './cli.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

const api = createApiServer({
  writeKey: process.env.UF_WRITE_KEY || undefined,
  readWriteKey: process.env.UF_READ_WRITE_KEY || undefined,
  dataDir: process.env.UF_DATA_DIR || `${repoRoot}.data`,
  ...serverOptionsFromEnv(process.env),
  log: process.env.UF_QUIET != '1',
})
const { url } = await api.listen(Number(process.env.API_PORT || 8787))
console.log(`UserFlux Integration API (local) on ${url}`)
for (const line of describeKeys(process.env)) console.log(line)
if (api.testToken) console.log(`  test control routes enabled under /__test/ (header x-uf-test-token: ${api.testToken})`)
closeOnSignals(() => api.close())
