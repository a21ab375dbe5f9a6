/** Small pieces shared by the command-line entries (demo/api/main.js, demo/start.js). */

/** Lines that show the keys in use, saying when they are the local defaults (never secrets). */
export function describeKeys(env) {
  const describe = (value, fallback) => (value ? `${value} (from the environment)` : `${fallback} (local default)`)
  return [`  Write Only key:   ${describe(env.UF_WRITE_KEY, 'demo-write-key')}`, `  Read + Write key: ${describe(env.UF_READ_WRITE_KEY, 'demo-read-write-key')}`]
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
