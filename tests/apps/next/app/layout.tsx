import type { ReactNode } from 'react'
import Link from 'next/link'
import { Providers } from './providers'
import { currentUser } from './session'
import { Identity } from './identity'

// No favicon file: an empty icon, so that the browser asks for none (a 404 in the console).
export const metadata = { title: 'UserFlux in Next.js', icons: { icon: 'data:,' } }

export default async function RootLayout({ children }: { children: ReactNode }) {
  const user = await currentUser()
  return (
    <html lang="en">
      <body>
        <Providers user={user}>
          <nav>
            <Link id="home-link" href="/">Home</Link> <Link id="about-link" href="/about">About</Link>
          </nav>
          <Identity />
          {children}
        </Providers>
      </body>
    </html>
  )
}
