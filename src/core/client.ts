import { firstTouch } from '../features/attribution.js'
import { SCRIPT_TAG } from './build.js'
import { bootstrapId } from '../features/bootstrap.js'
import { isBot } from '../features/bots.js'
import { createConsent } from './consent.js'
import { holdWrites } from './consent-hold.js'
import { whenVisible, withCookies } from '../browser/cookies.js'
import { createDelivery } from '../delivery/delivery.js'
import { createEnrichment } from '../features/enrich.js'
import { UserFluxError } from './errors.js'
import { createIdentity } from './identity.js'
import { createInertClient } from './inert.js'
import { createLedger } from '../delivery/ledger.js'
import { watchPage } from '../browser/lifecycle.js'
import { createLogger, type Logger } from './log.js'
import { normalizeOptions } from './options.js'
import { createQueue } from '../delivery/queue.js'
import { expireServerId, serverId } from '../browser/server-cookie.js'
import { createStorage } from '../browser/storage.js'
import { createSubscribers } from './subscribers.js'
import { shareWithTabs, type Tabs } from '../browser/tabs.js'
import { createTransport } from '../delivery/transport.js'
import type { CallOptions, Options, Properties, ProxiedOptions, Shape, UserFluxClient } from '../types.js'
import { createUnchanged } from './unchanged.js'
import { checkUserId, readSafely, sanitize, utf8Length, type Sanitized } from './validate.js'

/**
 * Creates a client. Never throws, nor does any method: setup mistakes (a bad option, reported by name
 * and replaced by its default; no `writeKey`, which leaves an inert client) and later problems go to
 * `onError`, or the console without one.
 */
export function createClient<P extends Shape<P> = Properties>(options?: Options | ProxiedOptions): UserFluxClient<P> {
  const { options: config, problems } = normalizeOptions(options as Options)
  const logger = createLogger(config.debug, config.onError)
  try {
    return start<P>(config, problems, logger)
  } catch (error) {
    // A page that broke what the browser gives (a getter or a prototype method that throws) must
    // not lose its own script to ours: an inert client, and the reason said (issue 25 case 13).
    const why = new UserFluxError('internal', 'could not start: ' + error)
    logger._report(why)
    return createInertClient(why)
  }
}

type Normalized = ReturnType<typeof normalizeOptions>

/** The client itself, for createClient, which turns anything this throws into an inert client. */
function start<P extends Shape<P>>(config: Normalized['options'], problems: Normalized['problems'], { _report: report, _log: log }: Logger): UserFluxClient<P> {
  for (const { message } of problems) report(new UserFluxError('invalid-argument', message))
  // A missing .env in production must not blank the page: a client that does nothing, said once above.
  const noKey = problems.find(({ _name: name }) => name == 'writeKey')
  if (noKey) return createInertClient(new UserFluxError('invalid-argument', noKey.message))
  if (config.blockBots && isBot(String(readSafely(() => globalThis.navigator?.userAgent) || ''))) {
    const why = new UserFluxError('bot', 'crawler user agent: nothing stored or sent (blockBots)')
    log(why.message)
    return createInertClient(why)
  }
  const prefix = config.storagePrefix
  // destroy() aborts it: every listener of this client goes with it. The script tag's client is
  // never destroyed.
  const stop = SCRIPT_TAG ? undefined : new AbortController()
  const signal = stop?.signal
  const local = createStorage(config.storage, report, signal)
  // What sibling subdomains share when asked: the visitor, the opt-out choice, the first touch (other
  // keys pass through to storage).
  const real = config.cookieDomain
    ? withCookies(
        local,
        ['anonymousId', 'userId', 'optOut', 'attribution', 'externalId'].map((name) => prefix + '-' + name),
        prefix + '-optOut',
        config.cookieDomain,
        config.cookieExpiryDays,
        report,
      )
    : local
  // A client kept in memory still honours, and keeps, the visitor's choice for the origin: the flag
  // says nothing about the visitor, and another tab's opt-out must stop this one too.
  const choices = config.storage == 'memory' && typeof document == 'object' ? createStorage('localStorage', () => {}, signal) : real
  const consent = createConsent(choices, prefix, config)
  // While consent is pending, every write but the choice itself stays in memory (consent-hold.ts).
  const storage = holdWrites(real, () => consent._state() == 'pending')
  const shared = storage
  const denied = () => consent._state() == 'denied'
  const granted = () => consent._state() == 'granted'
  const canStore = () => !denied()
  // Nothing a timer, a lock callback or a storage event runs may throw into the page: reported instead.
  const safely =
    <A extends unknown[]>(task: (...args: A) => void) =>
    (...args: A) => {
      try {
        task(...args)
      } catch (error) {
        report(new UserFluxError('internal', String(error)))
      }
    }
  // Clients of different keys never share a queue; encoded, so that no key is the beginning of
  // another's scope. The endpoint is not part of it: moving the snippet behind a proxy delivers what
  // was queued under the old one (SPEC §13).
  const key = encodeURIComponent(config.writeKey!)
  const legacyAccount = encodeURIComponent(config.writeKey + '@' + config.endpoint)
  const scope = {
    _own: `${prefix}-queue-v1|${key}|`,
    _all: `${prefix}-queue-`,
    // The two releases before v1: `<prefix>-queue-<encoded writeKey@endpoint>|<page>` and, before
    // it, `<prefix>-queue-<writeKey>@<endpoint>:<page>`; of any endpoint.
    _legacy: (stored: string) =>
      stored.startsWith(`${prefix}-queue-${encodeURIComponent(config.writeKey + '@')}`) || stored.startsWith(`${prefix}-queue-${config.writeKey}@`),
  }
  const queue = createQueue(storage, scope._own, config.endpoint, config.maxQueueSize, report, canStore)
  // SPEC §12: the id of userflux-snippet/server's cookie, when storage lost it (Safari's 7-day cap).
  if (canStore()) bootstrapId(shared, prefix + '-anonymousId', config.anonymousId ?? serverId(shared, prefix))
  let tabs: Tabs
  const identity = createIdentity(
    shared,
    prefix,
    canStore,
    report,
    queue._relabel,
    () => !!tabs && tabs._elsewhere().length > 0,
    (task, ms) => setTimeout(safely(() => signal?.aborted || task()), ms),
  )
  const enrichment = createEnrichment(shared, prefix + '-externalId', config.deviceData, canStore, report)
  const reset = () => {
    identity._reset()
    enrichment._forget()
    expireServerId(prefix)
  }
  const ledger = createLedger(storage, `${prefix}-delivered-v1|${key}`, `${prefix}-sent-${legacyAccount}`, report, canStore, () => (tabs ? tabs._oldestQueued() : 0))
  const delivery = createDelivery(
    queue,
    createTransport(config.endpoint, config.writeKey!, config.fetch),
    ledger,
    {
      ...config,
      _allowed: granted,
      _denied: denied,
      _lasting: storage._lasting,
      _extra(entry) {
        // An anonymousId made up while storage was unreadable is checked once more before it leaves
        // (queued anonymous updates then follow the id found).
        identity._anonymousId()
        return enrichment._extra(entry)
      },
      _delivered: enrichment._sent,
      _elsewhere: () => tabs._elsewhere(),
      // A paused page's updates can still be delivered by another page (its key fixed meanwhile).
      _paused: () => config.storage != 'memory' && tabs._handOver(),
      _safely: safely,
    },
    report,
    log,
  )
  // Nothing is sent while pending: the queue waits in memory for the choice.
  const schedule = () => granted() && delivery._schedule()
  tabs = shareWithTabs(storage, queue, scope, () => granted() && delivery._adopted(), ledger._see, safely)
  // Back from the back/forward cache: start afresh, and retry at once (hours may have passed).
  watchPage(
    safely(delivery._sendOnExit),
    safely(tabs._leave),
    safely(() => {
      tabs._awake()
      delivery._retryNow()
    }),
    safely(delivery._retryNow),
    signal,
  )
  const subscribers = createSubscribers(() => {
    const state = consent._state()
    return { anonymousId: identity._anonymousId(), userId: identity._userId(), optedOut: state == 'denied', consent: state }
  }, report)
  const unchanged = createUnchanged()
  /** The visitor chose, here (`here`) or in another tab: what this page held is written out or dropped. */
  const decide = (grant: boolean, here?: boolean) => {
    // Written out before the choice is stored: a pending tab seeing the choice finds this tab's visitor.
    const held = storage._release(grant)
    if (here) consent._set(grant)
    if (!grant) return delivery._cleared()
    // Only after a hold: a cleared storage must not get this page's id back (identity.ts).
    if (held) {
      const shown = identity._anonymousId()
      identity._reread()
      // Another tab granted first and stored its visitor id: this page's anonymous updates join it.
      if (identity._anonymousId() != shown) queue._relabel(shown, identity._anonymousId())
    }
    schedule()
  }
  choices._watch(
    safely((changed: string | null) => {
      // A choice in another tab (or another client of this page) reaches this one before its next send.
      if ((changed == consent._key || changed == null) && consent._state() != 'pending') decide(granted())
      // Other tabs' changes reach subscribers (identity.ts has read them again by now: it watched first;
      // a memory client's identity is its own, and only its consent choice is shared, in localStorage).
      subscribers._changed()
    }),
  )

  const enqueue = ({ properties, _size: size }: Sanitized, call: CallOptions | undefined, link?: boolean) => {
    tabs._awake()
    const locationEnrichment = typeof call?.locationEnrichment == 'boolean' ? call.locationEnrichment : !!config.locationEnrichment
    const userId = identity._userId() ?? undefined
    const anonymousId = identity._anonymousId()
    tabs._seeNow()
    const merged = queue._add({ userId, anonymousId, locationEnrichment }, properties, size, ledger._stamp(), link)
    unchanged._queued(userId, properties)
    log(merged ? 'coalesced' : 'queued', { userId, anonymousId, properties })
    schedule()
  }

  let destroyed = false
  // Every method runs inside this: a bug of ours or a hostile argument must never throw into the page.
  const guard =
    <A extends unknown[]>(method: (...args: A) => void) =>
    (...args: A) => {
      if (!SCRIPT_TAG && destroyed) return log('destroyed, ignored')
      try {
        method(...args)
      } catch (error) {
        report(new UserFluxError('invalid-argument', String(error)))
      }
      subscribers._changed()
    }
  const optedOut = () => denied() && (log('opted out, ignored'), true)

  if (config.cookieDomain) whenVisible(safely(() => (identity._reread(), subscribers._changed())), signal)

  const identify = (userId: string, properties?: unknown, call?: CallOptions) => {
    if (optedOut()) return
    const invalid = checkUserId(userId)
    const clean = invalid || (properties === undefined ? { properties: {}, _size: 2 } : sanitize('identify', properties))
    if (clean instanceof UserFluxError) return report(clean)
    // As stored right now: identifying another user than one a tab identified a moment ago resets
    // first, so two people never share an anonymousId (issue 25 case 6).
    const current = identity._userId(true)
    if (current != userId) {
      // Two people must never share an anonymousId.
      if (current) reset()
      identity._setUserId(userId)
      // Always sent, even without properties: it is what links the anonymous profile to the user.
      enqueue(clean, call, true)
    } else if (Object.keys(clean.properties).length) enqueue(clean, call)
  }

  const client: UserFluxClient<P> = {
    identify: guard(identify),
    setUser: guard((userId: string | null | undefined, properties?: unknown, call?: CallOptions) => {
      const current = identity._userId(true)
      // Signed out: a reset only if someone was signed in (resetting every anonymous render would
      // split one visitor into many ids).
      if (userId == null) return void (current && reset())
      if (current != userId || properties === undefined || optedOut()) return identify(userId, properties, call)
      const clean = checkUserId(userId) || sanitize('setUser', properties)
      if (clean instanceof UserFluxError) return report(clean)
      const fresh = unchanged._skipUnchanged(userId, clean.properties)
      if (Object.keys(fresh).length) enqueue({ properties: fresh, _size: utf8Length(JSON.stringify(fresh)) }, call)
    }),
    subscribe(listener) {
      // A server renders once and has no tabs: nothing ever changes there to be told of.
      return destroyed || typeof document == 'undefined' ? () => {} : subscribers._subscribe(listener)
    },
    destroy() {
      if (SCRIPT_TAG || destroyed) return
      log('destroyed')
      destroyed = true
      stop!.abort()
      subscribers._clear!()
      delivery._stop!(new UserFluxError('destroyed', 'client destroyed: nothing more sent by it'))
      // Persisted as it is and the lock let go: the next client of this page adopts it as a closed
      // tab's. Then handed over (once that write is done), so that this client adopts nothing more
      // and nothing it still hears of writes its old queue again.
      tabs._leave()
      queueMicrotask(safely(tabs._handOver))
    },
    updateProfile: guard((properties: unknown, call?: CallOptions) => {
      if (optedOut()) return
      const clean = sanitize('updateProfile', properties)
      if (clean instanceof UserFluxError) return report(clean)
      enqueue(clean, call)
    }),
    reset: guard(reset),
    flush: () =>
      consent._state() == 'pending' ? Promise.resolve({ ok: false, error: new UserFluxError('consent-pending', 'consent pending') }) : delivery._flush(),
    optOut: guard(() => {
      decide(false, true)
      // Every pending update of the origin goes, every tab's and every client's: other live pages
      // also drop what they hold in memory when they see the flag (shared._watch above).
      // What was delivered is forgotten too: nothing about the visitor stays but the flag.
      for (const stored of [...storage._keys(prefix + '-queue-'), ...storage._keys(prefix + '-sent-'), ...storage._keys(prefix + '-delivered-')]) storage._remove(stored)
      identity._store(false)
      enrichment._forget()
      expireServerId(prefix)
    }),
    optIn: guard(() => {
      // From an opt-out, the choice first: nothing about the visitor is written while the flag
      // still says opted out (other tabs read it at once). From pending, decide() writes the held
      // values out before the choice, so that a pending tab seeing it finds this tab's visitor.
      if (denied()) consent._set(true)
      // Before decide(), which reads the ids back from storage.
      identity._store(true)
      decide(true, true)
    }),
    get hasOptedOut() {
      return denied()
    },
    get consent() {
      return consent._state()
    },
    get anonymousId() {
      return identity._anonymousId()
    },
    get userId() {
      return identity._userId()
    },
  }
  guard(() => {
    const touch = config.attribution && typeof document == 'object' && canStore() && firstTouch(shared, prefix + '-attribution')
    if (touch) (client as UserFluxClient).updateProfile(touch)
  })()
  return client
}
