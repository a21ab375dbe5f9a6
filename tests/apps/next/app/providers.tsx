'use client'
import type { ReactNode } from 'react'
import { UserFluxProvider, UserFluxUser } from 'userflux-snippet/react'

// NEXT_PUBLIC_ variables are inlined into the browser bundle at `next build`. The client is created
// by the provider in the browser, never while the server renders.
const options = {
  writeKey: process.env.NEXT_PUBLIC_USERFLUX_WRITE_KEY,
  endpoint: '/uf',
  flushInterval: 200,
}

export function Providers({ user, children }: { user: { id: string; plan?: string | undefined } | null; children: ReactNode }) {
  return (
    <UserFluxProvider options={options}>
      <UserFluxUser id={user?.id ?? null} properties={{ plan: user?.plan }} />
      {children}
    </UserFluxProvider>
  )
}
