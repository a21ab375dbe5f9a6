import { nanoid } from 'nanoid'
import { firstTouch } from './attribution.js'
import { bootstrapId } from './bootstrap.js'
import { isBot } from './bots.js'
import { createConsent } from './consent.js'
import { whenVisible, withCookies } from './cookies.js'
import { createDelivery } from './delivery.js'
import { createEnrichment } from './enrich.js'
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
 * Creates a client. Throws a `TypeError` at once for setup mistakes (no `writeKey`, a bad option);
 * after that no method throws: problems go to `onError` and the console.
 */
export function createClient<P extends Shape<P> = Properties>(options: Options): UserFluxClient<P> {
  const config = normalizeOptions(options)
  const { report, log } = createLogger(config.debug, config.onError)
  if (config.blockBots && isBot(String(globalThis.navigator?.userAgent || ''))) {
    const why = new UserFluxError('bot', 'crawler user agent: nothing stored or sent (blockBots)')
    log(why.message)
    return createInertClient(why)
  }
  const prefix = config.storagePrefix
  const storage = createStorage(config.storage, report)
  // What sibling subdomains share when asked: the visitor, the opt-out choice, the first touch.
  const shared = config.cookieDomain
    ? withCookies(storage, ['anonymousId', 'userId', 'optOut', 'attribution', 'externalId'].map((name) => prefix + '-' + name), config.cookieDomain, config.cookieExpiryDays)
    : storage
  const consent = createConsent(shared, prefix, config.optedOut, config.respectGlobalPrivacyControl)
  const canStore = () => !consent.optedOut()
  // Clients of different keys or endpoints never share a queue. (The Write Only key is public anyway.)
  const queuePrefix = `${prefix}-queue-${config.writeKey}@${config.endpoint}:`
  const queueKey = queuePrefix + nanoid(10)
  const queue = createQueue(storage, queueKey, config.maxQueueSize, report, canStore)
  if (canStore()) bootstrapId(shared, prefix + '-anonymousId', config.anonymousId, report)
  const identity = createIdentity(shared, prefix, canStore, report, queue.relabel)
  const enrichment = createEnrichment(shared, prefix + '-externalId', config.deviceData, canStore)
  const reset = () => (identity.reset(), enrichment.forget())
  const transport = createTransport(config.endpoint, config.writeKey, config.fetch, enrichment)
  const send: typeof transport = (entry, exiting) => {
    // An anonymousId made up while storage was unreadable is checked once more before it leaves.
    identity.anonymousId()
    return transport(entry, exiting)
  }
  const delivery = createDelivery(queue, send, config, canStore, report, log)

  const enqueue = ({ properties, size }: Sanitized, call: CallOptions | undefined) => {
    const locationEnrichment = typeof call?.locationEnrichment == 'boolean' ? call.locationEnrichment : !!config.locationEnrichment
    const merged = queue.add(identity.userId() ?? undefined, identity.anonymousId(), locationEnrichment, properties, size)
    log(merged ? 'coalesced' : 'queued', properties)
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
  if (config.cookieDomain) whenVisible(identity.reread)

  const client: UserFluxClient<P> = {
    identify: guard((userId: string, properties?: Partial<P>, call?: CallOptions) => {
      if (optedOut()) return
      const invalid = checkUserId(userId)
      const clean = invalid || (properties === undefined ? { properties: {}, size: 2 } : sanitize('identify', properties))
      if (clean instanceof UserFluxError) return report(clean)
      const current = identity.userId()
      if (current != userId) {
        // Two people must never share an anonymousId.
        if (current) reset()
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
    reset: guard(reset),
    flush: delivery.flush,
    optOut: guard(() => {
      consent.set(true)
      queue.clear()
      identity.store(false)
      enrichment.forget()
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
  guard(() => {
    const touch = config.attribution && typeof document == 'object' && canStore() && firstTouch(shared, prefix + '-attribution')
    if (touch) client.updateProfile(touch as Partial<P>)
  })()
  return client
}
