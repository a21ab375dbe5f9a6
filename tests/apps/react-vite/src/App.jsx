import { useState } from 'react'
import { UserFluxProvider, UserFluxUser } from 'userflux-snippet/react'
import { Identity } from './Identity.jsx'
import { Settings } from './Settings.jsx'
import { Welcome } from './Welcome.jsx'

// The page's own log-in state; an app would have it from its auth library. `?user=` stands for a
// session the page already knows of when it loads.
const session = () => {
  const id = new URLSearchParams(location.search).get('user')
  return id ? { id, plan: 'free' } : null
}

export function App() {
  const [user, setUser] = useState(session)
  return (
    <UserFluxProvider options={{ writeKey: import.meta.env.VITE_USERFLUX_WRITE_KEY, endpoint: import.meta.env.VITE_USERFLUX_ENDPOINT, flushInterval: 200 }}>
      <h1 id="title">Shop</h1>
      <UserFluxUser id={user?.id ?? null} properties={{ plan: user?.plan }} />
      <Identity />
      {user ? (
        <>
          <Settings />
          <button id="logout" onClick={() => setUser(null)}>Log out</button>
        </>
      ) : (
        <button id="login" onClick={() => setUser({ id: 'ada', plan: 'pro' })}>Log in as Ada</button>
      )}
      <Welcome />
    </UserFluxProvider>
  )
}
