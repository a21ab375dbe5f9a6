import { useEffect } from 'react'
import { useUserFlux } from 'userflux-snippet/react'

// A child that speaks in its mount effect, which runs before the provider's (and twice in
// StrictMode): the call is kept until the client exists, and sent once. `?user=`: the session's
// user (App.jsx), whom it identifies.
export function Welcome() {
  const uf = useUserFlux()
  useEffect(() => {
    const user = new URLSearchParams(location.search).get('user')
    if (user) uf.identify(user, { source: 'session' })
    else uf.updateProfile({ landing: 'welcome' })
  }, [uf])
  return <p id="welcome">Welcome</p>
}
