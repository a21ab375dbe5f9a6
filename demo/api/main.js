#!/usr/bin/env node
/**
 * Runs the local Integration API from the command line.
 *   API_PORT           port (default 8787)
 *   UF_WRITE_KEY       Write Only key (default demo-write-key)
 *   UF_READ_WRITE_KEY  Read + Write key (default demo-read-write-key)
 *   UF_DATA_DIR        where profiles.json is kept (default .data/ in the repository; gitignored)
 *   UF_TEST_CONTROL=1  enable the /__test/ routes
 */
import { fileURLToPath } from 'node:url'
import { createApiServer } from './server.js'
import { closeOnSignals, describeKeys } from './cli.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

const api = createApiServer({
  writeKey: process.env.UF_WRITE_KEY || undefined,
  readWriteKey: process.env.UF_READ_WRITE_KEY || undefined,
  dataDir: process.env.UF_DATA_DIR || `${repoRoot}.data`,
  control: process.env.UF_TEST_CONTROL == '1',
  log: true,
})
const { url } = await api.listen(Number(process.env.API_PORT || 8787))
console.log(`UserFlux Integration API (local) on ${url}`)
for (const line of describeKeys(process.env)) console.log(line)
if (process.env.UF_TEST_CONTROL == '1') console.log('  test control routes enabled under /__test/')
closeOnSignals(() => api.close())
