/** Small pieces shared by the command-line entries (demo/api/main.js, demo/start.js). */
import { randomBytes } from 'node:crypto'
import { parseHostList } from '../hosts.js'

/**
 * The keys of a command-line run and the lines that show them. The Write Only key is public by design
 * (every page carries it), so a fixed local default is fine. The Read + Write key reads every profile:
 * a published default would let anything that reaches the port read them, so unless UF_READ_WRITE_KEY
 * sets one, each run makes its own and prints it (the terminal is where the developer needs it).
 */
export function keysFromEnv(env) {
  const writeKey = env.UF_WRITE_KEY || 'demo-write-key'
  const readWriteKey = env.UF_READ_WRITE_KEY || `rw-${randomBytes(18).toString('base64url')}`
  const lines = [
    `  Write Only key:   ${writeKey} (${env.UF_WRITE_KEY ? 'from the environment' : 'local default, public like any write key'})`,
    `  Read + Write key: ${readWriteKey} (${env.UF_READ_WRITE_KEY ? 'from the environment' : 'random for this run; UF_READ_WRITE_KEY sets one'})`,
  ]
  return { writeKey, readWriteKey, lines }
}

/**
 * Closes cleanly on Ctrl-C or a service manager's SIGTERM: pending profile writes are flushed. A
 * second signal exits at once, for when closing hangs.
 * @param {() => Promise<unknown>} close
 */
export function closeOnSignals(close) {
  let closing = false
  const onSignal = (signal) => {
    if (closing) process.exit(1)
    closing = true
    console.log(`\n${signal}: closing…`)
    close().then(
      () => process.exit(0),
      (error) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}

/** A positive integer from the environment, or undefined (the server's default) when unset. */
function positive(env, name) {
  if (!env[name]) return undefined
  const value = Number(env[name])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(env[name])}`)
  return value
}

/**
 * The storage, limit and network options of createApiServer from the environment (see the README
 * section "Local Integration API: durability").
 */
export function serverOptionsFromEnv(env) {
  return {
    control: env.UF_TEST_CONTROL == '1',
    allowedHosts: parseHostList(env.UF_ALLOWED_HOSTS),
    maxLogBytes: positive(env, 'UF_MAX_LOG_BYTES'),
    testToken: env.UF_TEST_TOKEN || undefined,
    compactBytes: positive(env, 'UF_COMPACT_BYTES'),
    limits: { maxProfileBytes: positive(env, 'UF_MAX_PROFILE_BYTES'), maxStoreBytes: positive(env, 'UF_MAX_STORE_BYTES') },
    network: {
      headersMs: positive(env, 'UF_HEADERS_TIMEOUT_MS'),
      requestMs: positive(env, 'UF_REQUEST_TIMEOUT_MS'),
      maxConnections: positive(env, 'UF_MAX_CONNECTIONS'),
    },
  }
}
