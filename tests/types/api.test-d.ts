// Type tests of the public API, in the style of mitt's: compiled with `tsc --noEmit -p tests/types`,
// never run. Every `@ts-expect-error` below marks a misuse that must stay a type error; tsc reports
// one whose line compiles ("Unused '@ts-expect-error' directive"), so none can silently go stale.
import {
  createClient,
  UserFluxError,
  type CallOptions,
  type ErrorCode,
  type FlushResult,
  type JsonValue,
  type Options,
  type Properties,
  type StorageLike,
  type UserFluxClient,
} from '../../src/index.js'

/** Compiles only when `A` and `B` are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_: T = true as T) => {}

export async function types() {
  const uf = createClient({ writeKey: 'k' })
  expectType<Equal<typeof uf, UserFluxClient<Properties>>>()

  // --- createClient options ---------------------------------------------------------------------
  createClient({
    writeKey: 'k',
    endpoint: 'https://proxy.example.com/uf/',
    locationEnrichment: true,
    flushInterval: 500,
    storage: 'memory',
    storagePrefix: 'uf2',
    onError: (error) => {
      expectType<Equal<typeof error, UserFluxError>>()
      expectType<Equal<typeof error.code, ErrorCode>>()
      expectType<Equal<typeof error.status, number | undefined>>()
    },
    debug: true,
    maxQueueSize: 10,
    minRetryDelay: 100,
    maxRetryDelay: 1000,
    optedOut: false,
    respectGlobalPrivacyControl: true,
    fetch: globalThis.fetch,
  })
  createClient({ writeKey: 'k', storage: 'localStorage' })
  createClient({ writeKey: 'k', storage: sessionStorage })
  const ownStorage: StorageLike = { getItem: () => null, setItem() {}, removeItem() {}, key: () => null, length: 0 }
  createClient({ writeKey: 'k', storage: ownStorage })
  // `undefined` means the default (spread configs, data-* attributes).
  createClient({ writeKey: 'k', endpoint: undefined, debug: undefined })
  const options: Options = { writeKey: 'k' }
  createClient(options)

  // A missing key is handled at run time (an inert client, said once): `.env` variables are
  // `string | undefined`, and next build / tsc must accept them.
  createClient({})
  // A path of the page's origin: its proxy (userflux-snippet/server) may hold the key (SPEC §12).
  createClient({ endpoint: '/uf', debug: true })
  // A missing key elsewhere is handled too (issue 21): the inert client, said once.
  createClient({ endpoint: 'https://proxy.example.com' })
  createClient()
  const env: Record<string, string | undefined> = {}
  createClient({ writeKey: env.NEXT_PUBLIC_USERFLUX_WRITE_KEY, endpoint: env.NEXT_PUBLIC_USERFLUX_ENDPOINT })
  // @ts-expect-error writeKey is a string
  createClient({ writeKey: 42 })
  // @ts-expect-error an unknown option (a typo of writeKey)
  createClient({ writeKey: 'k', writekey: 'k' })
  // @ts-expect-error an unknown option
  createClient({ writeKey: 'k', batchSize: 10 })
  // @ts-expect-error storage is 'localStorage', 'memory' or a Storage-like object
  createClient({ writeKey: 'k', storage: 'sessionStorage' })
  // @ts-expect-error locationEnrichment is a boolean, not the string of a data-* attribute
  createClient({ writeKey: 'k', locationEnrichment: 'true' })
  // @ts-expect-error flushInterval is a number of milliseconds
  createClient({ writeKey: 'k', flushInterval: '1s' })
  // @ts-expect-error onError receives a UserFluxError, not a string
  createClient({ writeKey: 'k', onError: (message: string) => message })

  // --- property values: valid ---------------------------------------------------------------------
  uf.updateProfile({})
  uf.updateProfile({ theme: 'dark', visits: 3, beta: true, nickname: null })
  uf.updateProfile({ signedUpAt: new Date() })
  uf.updateProfile({ address: { city: 'Oslo', geo: { lat: 59.9, lng: 10.7 } }, tags: ['a', 'b'], matrix: [[1, 2], [3]] })
  uf.updateProfile({ history: [{ at: new Date(), plan: 'pro' }] })
  uf.updateProfile({ gone: undefined, nested: { gone: undefined } })
  const maybe: string | undefined = undefined
  uf.updateProfile({ maybe })
  const json: JsonValue = { list: [1, 'two', null, new Date()] }
  uf.updateProfile({ json })
  const props: Properties = { a: 1 }
  uf.updateProfile(props)
  uf.identify('user-42')
  uf.identify('user-42', { plan: 'pro' })

  // --- property values: misuse ------------------------------------------------------------------
  // @ts-expect-error a function is not JSON
  uf.updateProfile({ callback: () => 1 })
  // @ts-expect-error a method is not JSON
  uf.updateProfile({ callback() {} })
  // @ts-expect-error a symbol is not JSON
  uf.updateProfile({ id: Symbol('id') })
  // @ts-expect-error a Map would be sent as {}
  uf.updateProfile({ lookup: new Map<string, string>() })
  // @ts-expect-error a Set would be sent as {}
  uf.updateProfile({ tags: new Set(['a']) })
  // @ts-expect-error a bigint cannot be serialized
  uf.updateProfile({ big: 1n })
  // @ts-expect-error not at depth either
  uf.updateProfile({ nested: { deeper: { callback: () => 1 } } })
  // @ts-expect-error nor in arrays
  uf.updateProfile({ list: [1n] })
  // @ts-expect-error a class instance is not a plain object (one with only data fields is, to
  // TypeScript, the same as an interface: the client rejects it when called)
  uf.updateProfile({ thing: new (class Thing { x = 1; area() { return 1 } })() })
  // @ts-expect-error identify checks its properties the same way
  uf.identify('user-42', { lookup: new Map() })
  // @ts-expect-error properties are an object
  uf.updateProfile('dark')
  // @ts-expect-error properties are an object, not null
  uf.updateProfile(null)
  // @ts-expect-error properties are required
  uf.updateProfile()
  // @ts-expect-error properties are an object, not an array
  uf.updateProfile(['dark'])

  // --- userId ---------------------------------------------------------------------------------------
  // @ts-expect-error userId is a string
  uf.identify(42)
  // @ts-expect-error userId is a string
  uf.identify(42, { plan: 'pro' })
  // @ts-expect-error userId is required
  uf.identify()
  // @ts-expect-error not null either: use reset() on logout
  uf.identify(null)

  // --- per-call options ---------------------------------------------------------------------------
  uf.updateProfile({ theme: 'dark' }, { locationEnrichment: true })
  uf.identify('user-42', { plan: 'pro' }, { locationEnrichment: false })
  uf.identify('user-42', undefined, { locationEnrichment: true })
  const call: CallOptions = {}
  uf.updateProfile({ theme: 'dark' }, call)
  // @ts-expect-error an unknown call option
  uf.updateProfile({ theme: 'dark' }, { locationEnrichmnet: true })
  // @ts-expect-error locationEnrichment is a boolean
  uf.updateProfile({ theme: 'dark' }, { locationEnrichment: 'true' })

  // --- flush() and its result ---------------------------------------------------------------------
  const result = await uf.flush()
  expectType<Equal<typeof result, FlushResult>>()
  // @ts-expect-error `error` exists only once `ok` is known to be false
  result.error.code
  if (!result.ok) {
    expectType<Equal<typeof result.error, UserFluxError>>()
    const code: ErrorCode = result.error.code
    // @ts-expect-error not one of the ErrorCodes
    if (code == 'timeout') return
  } else {
    // @ts-expect-error no error on success
    result.error
  }

  // --- getters and other methods -------------------------------------------------------------------
  expectType<Equal<typeof uf.anonymousId, string>>()
  expectType<Equal<typeof uf.userId, string | null>>()
  expectType<Equal<typeof uf.hasOptedOut, boolean>>()
  expectType<Equal<ReturnType<typeof uf.reset>, void>>()
  uf.reset()
  uf.optOut()
  uf.optIn()
  // @ts-expect-error read-only
  uf.userId = 'user-42'
  // @ts-expect-error read-only
  uf.anonymousId = 'abc'
  // @ts-expect-error read-only
  uf.hasOptedOut = false
  // @ts-expect-error not a method of the client
  uf.track('clicked')

  // --- narrowing Properties with the generic ------------------------------------------------------
  const typed = createClient<{ plan: 'pro' | 'free'; seats?: number }>({ writeKey: 'k' })
  typed.identify('user-42', { plan: 'pro' })
  typed.updateProfile({ plan: 'free', seats: 3 })
  // @ts-expect-error not one of the plans
  typed.updateProfile({ plan: 'gold' })
  // @ts-expect-error not one of the plans
  typed.identify('user-42', { plan: 'gold' })
  // @ts-expect-error seats is a number
  typed.updateProfile({ plan: 'pro', seats: '3' })
  // @ts-expect-error a key the generic does not declare
  typed.updateProfile({ plan: 'pro', theme: 'dark' })
  // @ts-expect-error the generic itself must be JSON properties
  createClient<{ callback: () => void }>({ writeKey: 'k' })
  // @ts-expect-error the generic itself must be JSON properties
  createClient<{ big: bigint }>({ writeKey: 'k' })

  // --- errors -------------------------------------------------------------------------------------
  const error = new UserFluxError('rejected', 'rejected (400)', 400)
  expectType<Equal<typeof error.code, ErrorCode>>()
  // @ts-expect-error not one of the ErrorCodes
  new UserFluxError('oops', 'message')
  expectType<Equal<typeof error extends Error ? true : false, true>>()
}

// Readonly arrays, partial updates of a typed client, and interfaces are all valid.
{
  const uf = createClient({ writeKey: 'k' })
  uf.updateProfile({ tags: ['a', 'b'] as const })
  interface Prefs {
    plan: 'free' | 'pro'
    theme: 'dark' | 'light'
  }
  const typed = createClient<Prefs>({ writeKey: 'k' })
  typed.updateProfile({ theme: 'dark' })
  typed.identify('user-1', { plan: 'pro' })
  // @ts-expect-error: not one of the plans
  typed.updateProfile({ plan: 'gold' })
}

// Real data (issue 11): nested interfaces, a form's or an API's Record<string, unknown>, null to clear.
{
  const uf = createClient({ writeKey: 'k' })
  interface Address {
    city: string
    geo?: { lat: number; lng: number }
  }
  interface Profile {
    name: string
    address: Address
    tags: readonly string[]
    signedUpAt: Date
  }
  const address: Address = { city: 'Oslo' }
  const profile: Profile = { name: 'Ada', address, tags: ['a'], signedUpAt: new Date() }
  uf.updateProfile({ address })
  uf.updateProfile(profile)
  uf.identify('user-1', profile)
  const fromForm: Record<string, unknown> = Object.fromEntries(new FormData())
  uf.updateProfile(fromForm)
  const fromApi = JSON.parse('{}') as Record<string, unknown>
  uf.identify('user-1', fromApi)
  uf.updateProfile({ nested: fromApi, list: [fromApi] as unknown[] })
  uf.updateProfile({ nickname: null, address: null })

  interface WithMethod {
    name: string
    greet(): string
  }
  const withMethod: WithMethod = { name: 'a', greet: () => 'hi' }
  // @ts-expect-error an interface with a method is not JSON
  uf.updateProfile(withMethod)
  // @ts-expect-error nor nested
  uf.updateProfile({ person: withMethod })
  const map = new Map<string, string>()
  // @ts-expect-error a Map beside real data is still refused
  uf.updateProfile({ ...profile, map })

  // A typed client takes nested interfaces, and null clears any declared key.
  interface Typed {
    plan: 'free' | 'pro'
    address: Address
    seats?: number
  }
  const typed = createClient<Typed>({ writeKey: 'k' })
  typed.updateProfile({ address })
  typed.updateProfile({ plan: null, seats: null })
  typed.identify('user-1', { plan: 'pro', address: { city: 'Bergen', geo: { lat: 60.4, lng: 5.3 } } })
  // @ts-expect-error still not one of the plans
  typed.updateProfile({ plan: 'gold' })
  // @ts-expect-error still no undeclared key
  typed.updateProfile({ address, theme: 'dark' })
  // @ts-expect-error an interface with a method cannot be the generic
  createClient<{ person: WithMethod }>({ writeKey: 'k' })
}
