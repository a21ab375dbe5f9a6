// Type tests of issue 22's consent API and adapters: compiled with `tsc --noEmit -p tests/types`,
// never run. Each `@ts-expect-error` marks a misuse that must stay a type error.
import type {} from '../../src/global.js'
import { createClient, type ConsentState, type ErrorCode } from '../../src/index.js'
import { consentMode } from '../../src/consent/consent-mode.js'
import { cookiebot } from '../../src/consent/cookiebot.js'
import { oneTrust } from '../../src/consent/onetrust.js'
import { tcf } from '../../src/consent/tcf.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_: T = true as T) => {}

export async function consent() {
  const uf = createClient({ writeKey: 'k', consent: 'pending' })
  expectType<Equal<typeof uf.consent, ConsentState>>()
  expectType<Equal<ConsentState, 'granted' | 'denied' | 'pending'>>()
  const result = await uf.flush()
  if (!result.ok) expectType<'consent-pending' extends ErrorCode ? true : false>()
  // @ts-expect-error the getter is read-only: choices go through optIn() / optOut()
  uf.consent = 'granted'
  // @ts-expect-error not a consent state
  createClient({ writeKey: 'k', consent: 'yes' })

  const stops: (() => void)[] = [tcf(uf), tcf(uf, { purposes: [1, 7] }), consentMode(uf, { dataLayer: [] }), oneTrust(uf, { category: 'C0004' }), cookiebot(uf, { category: 'marketing' })]
  stops.forEach((stop) => stop())
  // @ts-expect-error purposes are numbers
  tcf(uf, { purposes: ['1'] })
  // @ts-expect-error Cookiebot's categories only
  cookiebot(uf, { category: 'analytics' })
  // The script tag's client works with the adapters too, once loaded.
  userflux.ready((client) => {
    expectType<Equal<typeof client.consent, ConsentState>>()
    oneTrust(client)
  })
}
