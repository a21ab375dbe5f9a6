/**
 * The panels that show the delivery guarantees at work, on both demo pages: fault switches, what
 * this browser still holds, and the live request log.
 */
import { mountFaultSwitches } from './fault-switches.js'
import { mountPending } from './pending-view.js'
import { mountRequestLog } from './request-log-view.js'

/** @param {{ current: () => any }} client the client once ready (undefined before) */
export function mountLivePanels(client) {
  const tap = window.ufDemoTap
  const pending = mountPending(tap)
  const switches = mountFaultSwitches()
  const log = mountRequestLog(pending, () => client.current()?.anonymousId, switches.update)
  tap.listen(() => log.render())
}
