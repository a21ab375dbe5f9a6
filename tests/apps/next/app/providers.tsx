'use client'
import type { ReactNode } from 'react'
import { UserFluxProvider, UserFluxUser } from 'userflux-snippet/react'

// '/uf': the rewrite of next.config.js (Behind a first-party proxy) sends it on to UserFlux.
const options = { writeKey: process.env.NEXT_PUBLIC_USERFLUX_WRITE_KEY, endpoint: '/uf' }

export function Providers({ user, children }: { user: { id: string; plan?: string | undefined } | null; children: ReactNode }) {
  return (
    <UserFluxProvider options={options}>
      <UserFluxUser id={user?.id ?? null} properties={{ plan: user?.plan }} />
      {children}
    </UserFluxProvider>
  )
}
