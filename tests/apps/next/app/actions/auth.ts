'use server'
import { cookies } from 'next/headers'
import { revalidatePath } from 'next/cache'

export async function logIn(formData: FormData) {
  ;(await cookies()).set('session', String(formData.get('user') || 'ada'))
  revalidatePath('/', 'layout')
}

export async function logOut() {
  ;(await cookies()).delete('session')
  revalidatePath('/', 'layout')
}
