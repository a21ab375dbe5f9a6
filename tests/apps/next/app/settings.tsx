'use client'
import { useUserFlux } from 'userflux-snippet/react'

export function Settings() {
  const uf = useUserFlux()
  return (
    <select id="theme" defaultValue="light" onChange={(event) => uf.updateProfile({ theme: event.target.value })}>
      <option value="light">Light</option>
      <option value="dark">Dark</option>
    </select>
  )
}
