/** The proxy's own answers, shaped like the Integration API's errors: `{ error, message }` as JSON. */

export const ALLOW = 'POST, OPTIONS'

/** Every answer of the proxy: a visitor's profile request must not be cached by anything in between. */
export const NO_STORE = { 'cache-control': 'no-store' }

export function refuse(status: number, error: string, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ error, message }), {
    status,
    headers: { ...NO_STORE, 'content-type': 'application/json', ...headers },
  })
}
