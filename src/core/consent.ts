import type { SafeStorage } from '../browser/storage.js'

export interface Consent {
  readonly _key: string
  _optedOut(): boolean
  _set(optedOut: boolean): void
}

/**
 * The opt-out flag under `<prefix>-optOut`: '1' opted out, '0' opted in (which overrides starting
 * opted out and Global Privacy Control, as an explicit choice should). Read from storage each time,
 * so an opt-out in one tab holds in the others at once.
 */
export function createConsent(
  storage: SafeStorage,
  prefix: string,
  startOptedOut?: boolean,
  respectGlobalPrivacyControl?: boolean,
): Consent {
  const key = prefix + '-optOut'
  const byDefault =
    startOptedOut || (respectGlobalPrivacyControl && (globalThis.navigator as { globalPrivacyControl?: boolean } | undefined)?.globalPrivacyControl)
  let flag: string | null | undefined
  return {
    _key: key,
    _optedOut() {
      const stored = storage._get(key)
      // Unreadable for a moment (undefined): the last known choice stands.
      if (stored !== undefined) flag = stored
      return flag == '1' || (flag != '0' && !!byDefault)
    },
    _set(optedOut) {
      storage._set(key, (flag = optedOut ? '1' : '0'), true)
    },
  }
}
