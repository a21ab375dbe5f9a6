// What apps write, accepted under exactOptionalPropertyTypes (issue 21): environment variables that
// may be missing, properties that may be undefined, conditional objects, the React binding.
import { createClient, type IdentityState, type Options, type UserFluxClient } from '../../../dist/index.js'
import { UserFluxProvider, UserFluxUser, useUserFlux, useUserFluxIdentity, useUserFluxUser } from '../../../dist/react/index.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_: T = true as T) => {}

// `import.meta.env.VITE_…` and `process.env.NEXT_PUBLIC_…` are `string | undefined`.
declare const env: { [name: string]: string | undefined }
declare const plan: 'free' | 'pro' | undefined
declare const signedIn: boolean

interface Profile {
  plan: 'free' | 'pro'
  seats: number
  email: string
}

export function options() {
  createClient({ writeKey: env.VITE_USERFLUX_WRITE_KEY, endpoint: env.VITE_USERFLUX_ENDPOINT })
  createClient({ writeKey: env.KEY, debug: env.DEBUG == '1' ? true : undefined, flushInterval: undefined, storage: undefined, onError: undefined })
  const config: Options = { writeKey: env.KEY, endpoint: env.ENDPOINT }
  createClient(config)
  // @ts-expect-error still a string, not a number
  createClient({ writeKey: 42 })
  // @ts-expect-error still an unknown option
  createClient({ writeKey: 'k', endpiont: '/uf' })
}

export function typedClient() {
  const uf = createClient<Profile>({ writeKey: env.KEY })
  // The README's hook: `plan` possibly undefined (dropped at run time).
  uf.identify('user-42', { plan })
  uf.identify('user-42', signedIn ? { plan: 'pro' } : {})
  uf.identify('user-42', plan ? { plan } : {})
  uf.updateProfile(plan ? { plan, seats: 2 } : { seats: 1 })
  uf.updateProfile({ email: undefined, seats: null })
  uf.setUser('user-42', { plan, seats: 3 })
  uf.setUser(signedIn ? 'user-42' : null, signedIn ? { plan } : undefined)
  uf.identify('user-42', undefined)
  // @ts-expect-error not one of the plans
  uf.identify('user-42', { plan: 'enterprise' })
  // @ts-expect-error not a key of Profile
  uf.updateProfile({ plann: 'pro' })
  // @ts-expect-error not a key of Profile, in a conditional object either
  uf.identify('user-42', signedIn ? { plann: 'pro' } : {})
  // @ts-expect-error seats is a number
  uf.setUser('user-42', { seats: '3' })
}

export function identity(uf: UserFluxClient) {
  const off = uf.subscribe((state) => {
    expectType<Equal<typeof state, IdentityState>>()
    expectType<Equal<typeof state.userId, string | null>>()
  })
  off()
  uf.destroy()
  // @ts-expect-error a listener, not a value
  uf.subscribe('userId')
}

export function App({ user }: { user: { id: string; plan?: 'free' | 'pro' | undefined } | null }) {
  return (
    <UserFluxProvider options={{ writeKey: env.NEXT_PUBLIC_USERFLUX_WRITE_KEY, endpoint: env.NEXT_PUBLIC_USERFLUX_ENDPOINT }}>
      <UserFluxUser id={user?.id ?? null} properties={{ plan: user?.plan }} />
      <UserFluxUser id={undefined} />
      <Settings />
    </UserFluxProvider>
  )
}

export function WithClient({ uf }: { uf: UserFluxClient }) {
  return (
    <UserFluxProvider client={uf}>
      <Settings />
    </UserFluxProvider>
  )
}

function Settings() {
  const uf = useUserFlux()
  const typed = useUserFlux<Profile>()
  const { userId, anonymousId, optedOut, consent } = useUserFluxIdentity()
  expectType<Equal<typeof userId, string | null>>()
  expectType<Equal<typeof consent, 'granted' | 'denied' | 'pending'>>()
  useUserFluxUser(userId, { plan: undefined })
  typed.updateProfile({ seats: 2 })
  // @ts-expect-error not a key of Profile
  typed.updateProfile({ colour: 'red' })
  return <button onClick={() => uf.updateProfile({ theme: 'dark' })}>{anonymousId + String(optedOut)}</button>
}

// @ts-expect-error the provider takes options or a client, not a write key of its own
export const wrong = <UserFluxProvider writeKey="k" />
