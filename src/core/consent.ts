import type { SafeStorage } from '../browser/storage.js'
import type { ConsentState, Options } from '../types.js'

export interface Consent {
  readonly _key: string
  _state(): ConsentState
  /** The visitor's choice, stored: it reaches every tab, and wins over every page's default. */
  _set(granted: boolean): void
}

/**
 * The choice under `<prefix>-optOut`, as the opt-out flag always was: '1' denied, '0' granted. Read
 * from storage once per task (every call asks, several times, issue 20), so a choice made in one tab
 * holds in the others from their next task. Read again at once after this client's own choice, and
 * after any change another client of this page announced or a storage event told (rare; this watcher
 * is registered before the client's own, which then reads the new choice).
 * Without one, the page's default: denied with `optedOut: true` or Global Privacy Control (when
 * respected; the most restrictive reading wins), else `consent`. A stored choice wins over that
 * default, as an explicit choice should: yesterday's Accept is not undone by a page that starts every
 * visit pending or opted out.
 */
export function createConsent(storage: SafeStorage, prefix: string, { optedOut, consent = 'granted', respectGlobalPrivacyControl }: Pick<Options, 'optedOut' | 'consent' | 'respectGlobalPrivacyControl'>): Consent {
  const key = prefix + '-optOut'
  const byDefault =
    optedOut || (respectGlobalPrivacyControl && (globalThis.navigator as { globalPrivacyControl?: boolean } | undefined)?.globalPrivacyControl) ? 'denied' : consent
  let flag: string | null | undefined
  // This task's reading; forgotten at its end.
  let known: ConsentState | undefined
  const forget = () => void (known = undefined)
  storage._watch(forget)
  return {
    _key: key,
    _state() {
      if (!known) {
        const stored = storage._get(key)
        // Unreadable for a moment (undefined): the last known choice stands.
        if (stored !== undefined) flag = stored
        known = flag == '1' ? 'denied' : flag == '0' ? 'granted' : byDefault
        queueMicrotask(forget)
      }
      return known
    },
    _set(granted) {
      storage._set(key, (flag = granted ? '0' : '1'), true)
      forget()
    },
  }
}
