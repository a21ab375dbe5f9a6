'use client'
import { useUserFluxIdentity } from 'userflux-snippet/react'

// The server renders the empty identity (no client there); the browser's follows after hydration.
export function Identity() {
  const { userId, anonymousId } = useUserFluxIdentity()
  return (
    <p>
      <output id="user">{userId ?? 'anonymous'}</output> <output id="anonymous">{anonymousId}</output>
    </p>
  )
}
