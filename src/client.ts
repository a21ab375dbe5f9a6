import { nanoid } from 'nanoid'
import { createConsent } from './consent.js'
import { createDelivery } from './delivery.js'
import { UserFluxError } from './errors.js'
import { createIdentity } from './identity.js'
import { createInertClient } from './inert.js'
import { watchPage } from './lifecycle.js'
import { createLogger } from './log.js'
import { normalizeOptions } from './options.js'
import { createQueue } from './queue.js'
import { createStorage } from './storage.js'
import { shareWithTabs } from './tabs.js'
import { createTransport } from './transport.js'
import type { CallOptions, Options, Properties, Shape, UserFluxClient } from './types.js'
import { checkUserId, sanitize, type Sanitized } from './validate.js'

/**
 * Creates a client. Never throws, nor does any method: setup mistakes (a bad option, reported by name
 * and replaced by its default; no `writeKey`, which leaves an inert client) and later problems go to
 * `onError`, or the console without one.
 */
export function createClient<P extends Shape<P> = Properties>(options: Options): UserFluxClient<P> {
  const { options: config, problems } = normalizeOptions(options)
  const { report, log } = createLogger(config.debug, config.onError)
  for (const { message } of problems) report(new UserFluxError('invalid-argument', message))
  // A missing .env in production must not blank the page: a client that does nothing, said once above.
  const noKey = problems.find(({ name }) => name == 'writeKey')
  if (noKey) return createInertClient(new UserFluxError('invalid-argument', noKey.message))
  const prefix = config.storagePrefix
  const storage = createStorage(config.storage, report)
  const consent = createConsent(storage, prefix, config.optedOut, config.respectGlobalPrivacyControl)
  const canStore = () => !consent.optedOut()
  // Clients of different keys or endpoints never share a queue. (The Write Only key is public anyway.)
  const queuePrefix = `${prefix}-queue-${config.writeKey}@${config.endpoint}:`
  const queueKey = queuePrefix + nanoid(10)
  const queue = createQueue(storage, queueKey, config.maxQueueSize, report, canStore)
  const identity = createIdentity(storage, prefix, canStore, report, queue.relabel)
  const transport = createTransport(config.endpoint, config.writeKey, config.fetch)
  const send: typeof transport = (entry, exiting) => {
    // An anonymousId made up while storage was unreadable is checked once more before it leaves.
    identity.anonymousId()
    return transport(entry, exiting)
  }
  const delivery = createDelivery(queue, send, config, canStore, report, log)

  const enqueue = ({ properties, size }: Sanitized, call: CallOptions | undefined) => {
    const locationEnrichment = typeof call?.locationEnrichment == 'boolean' ? call.locationEnrichment : !!config.locationEnrichment
    const userId = identity.userId() ?? undefined
    const anonymousId = identity.anonymousId()
    const merged = queue.add(userId, anonymousId, locationEnrichment, properties, size)
    log(merged ? 'coalesced' : 'queued', { userId, anonymousId, properties })
    delivery.schedule()
  }

  // Every method runs inside this: a bug of ours or a hostile argument must never throw into the page.
  const guard =
    <A extends unknown[]>(method: (...args: A) => void) =>
    (...args: A) => {
      try {
        method(...args)
      } catch (error) {
        report(new UserFluxError('invalid-argument', String(error)))
      }
    }
  const optedOut = () => consent.optedOut() && (log('opted out, ignored'), true)

  const tabs = shareWithTabs(storage, queue, queuePrefix, queueKey, delivery.schedule)
  watchPage(delivery.sendOnExit, tabs.leave, tabs.back, delivery.retryNow)

  return {
    identify: guard((userId: string, properties?: Partial<P>, call?: CallOptions) => {
      if (optedOut()) return
      const invalid = checkUserId(userId)
      const clean = invalid || (properties === undefined ? { properties: {}, size: 2 } : sanitize('identify', properties))
      if (clean instanceof UserFluxError) return report(clean)
      const current = identity.userId()
      if (current != userId) {
        // Two people must never share an anonymousId.
        if (current) identity.reset()
        identity.setUserId(userId)
        // Always sent, even without properties: it is what links the anonymous profile to the user.
        enqueue(clean, call)
      } else if (Object.keys(clean.properties).length) enqueue(clean, call)
    }),
    updateProfile: guard((properties: Partial<P>, call?: CallOptions) => {
      if (optedOut()) return
      const clean = sanitize('updateProfile', properties)
      if (clean instanceof UserFluxError) return report(clean)
      enqueue(clean, call)
    }),
    reset: guard(identity.reset),
    flush: delivery.flush,
    optOut: guard(() => {
      consent.set(true)
      queue.clear()
      identity.store(false)
    }),
    optIn: guard(() => {
      consent.set(false)
      identity.store(true)
    }),
    get hasOptedOut() {
      return consent.optedOut()
    },
    get anonymousId() {
      return identity.anonymousId()
    },
    get userId() {
      return identity.userId()
    },
  }
}
