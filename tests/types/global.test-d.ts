// `window.userflux` for script-tag pages written in TypeScript: what `userflux-snippet/global`
// declares (src/global.ts, built to dist/global.d.ts). Compiled, never run.
import type {} from '../../src/global.js'
import type { ScriptTagClient } from '../../src/global.js'
import type { FlushResult } from '../../src/index.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const expectType = <T extends true>(_: T = true as T) => {}

export async function scriptTagPage() {
  // Callable the same way before load (the stub) and after (the client).
  userflux.updateProfile({ theme: 'dark' })
  window.userflux.identify('user-42', { plan: 'pro' })
  userflux.reset()
  userflux.optOut()
  userflux.optIn()
  // The stub records setUser too (issue 21); subscribe needs the client, whose unsubscribe it returns.
  userflux.setUser('user-42', { plan: 'pro' })
  userflux.setUser(null)
  userflux.ready((client) => {
    const off: () => void = client.subscribe(({ userId }) => void userId)
    off()
  })
  // @ts-expect-error not before the script has loaded: use ready()
  userflux.subscribe(() => {})
  const result = await userflux.flush()
  expectType<Equal<typeof result, FlushResult>>()
  userflux.ready((client) => {
    expectType<Equal<typeof client, ScriptTagClient>>()
    const id: string = client.anonymousId
    void id
  })
  // @ts-expect-error not a method of the client
  userflux.track('clicked')
  // @ts-expect-error a Map is not JSON, through the global too
  userflux.updateProfile({ lookup: new Map() })
  // @ts-expect-error the getters exist only once loaded: use ready()
  userflux.anonymousId
  if (!Array.isArray(userflux)) {
    const id: string = userflux.anonymousId
    void id
  }
}
