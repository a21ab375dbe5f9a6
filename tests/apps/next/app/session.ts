import { cookies } from 'next/headers'

/** The signed-in user, from the app's own session cookie (a stand-in for an auth library). */
export async function currentUser() {
  const id = (await cookies()).get('session')?.value
  return id ? { id, plan: id == 'ada' ? 'pro' : 'free' } : null
}
