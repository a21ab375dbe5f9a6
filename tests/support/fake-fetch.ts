export interface SeenRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: any
  keepalive: boolean
}

type Answer = number | { status: number; headers?: Record<string, string>; body?: string } | Error

/** A `fetch` for unit tests: records each request and answers from a script (204 once it runs out). */
export function fakeFetch(answers: Answer[] = []) {
  const requests: SeenRequest[] = []
  /** The status each request was answered with, by index (0: a network error). */
  const statuses: number[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const text = await request.text()
    requests.push({
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers),
      body: JSON.parse(text),
      keepalive: request.keepalive,
    })
    const next = answers.length ? answers.shift()! : 204
    statuses.push(next instanceof Error ? 0 : typeof next == 'number' ? next : next.status)
    if (next instanceof Error) throw next
    const answer = typeof next == 'number' ? { status: next } : next
    return new Response(answer.status == 204 ? null : answer.body ?? '', { status: answer.status, headers: answer.headers })
  }
  return Object.assign(fetch as typeof globalThis.fetch, { requests, answers, statuses })
}
