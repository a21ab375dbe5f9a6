import { useUserFluxIdentity } from 'userflux-snippet/react'

export function Identity() {
  const { userId, anonymousId } = useUserFluxIdentity()
  return (
    <p>
      <output id="user">{userId ?? 'anonymous'}</output> <output id="anonymous">{anonymousId}</output>
    </p>
  )
}
