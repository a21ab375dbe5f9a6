import { makeEventTarget } from './events.mjs'

/**
 * `BroadcastChannel` of one origin (HTML §9.5, https://html.spec.whatwg.org/multipage/web-messaging.html#broadcasting-to-other-browsing-contexts):
 * `postMessage(data)` queues a task per other open channel object of the same name — in other tabs and
 * in the same tab, never the sender itself — that fires `message` with a clone of `data` (through JSON,
 * not the full structured clone: plain data is what a client posts), in the order posted. Closed channels and closed tabs receive nothing; a cached page's messages wait
 * for its restore like its other tasks. The bundle of f12cb4f does not use it; a redesign might.
 */
export function createBroadcast(clock) {
  const channels = new Set()
  return {
    /** The `BroadcastChannel` class of one tab. */
    attach(tab) {
      return class BroadcastChannel {
        constructor(name) {
          this.name = String(name)
          this.onmessage = null
          makeEventTarget(this, tab.reportError)
          channels.add({ channel: this, tab })
          tab.onClose(() => this.close())
        }
        postMessage(data) {
          if (this.closed) throw new DOMException('BroadcastChannel is closed', 'InvalidStateError')
          const text = JSON.stringify(data)
          for (const { channel, tab: to } of channels) {
            if (channel === this || channel.name != this.name || to.closed) continue
            clock.schedule(
              0,
              () => {
                if (channel.closed) return
                const event = new to.window.Event('message')
                event.data = text === undefined ? undefined : to.window.JSON.parse(text)
                if (typeof channel.onmessage == 'function') {
                  try {
                    channel.onmessage(event)
                  } catch (error) {
                    to.reportError(error)
                  }
                }
                channel.dispatchEvent(event)
              },
              to,
            )
          }
        }
        close() {
          this.closed = true
          for (const entry of channels) if (entry.channel === this) channels.delete(entry)
        }
      }
    },
  }
}
