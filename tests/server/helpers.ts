/** Shared by the tests of userflux-snippet/server: the local Integration API and requests to the proxy. */
// @ts-expect-error: plain JavaScript (typed with JSDoc), no declaration file
import { PROFILE_FIELDS as FIELDS, READ_WRITE_KEY as RW, startApi, useApi as use, WRITE_KEY as W } from '../api/helpers.js'

export const WRITE_KEY: string = W
export const READ_WRITE_KEY: string = RW
export const PROFILE_FIELDS: string[] = FIELDS

export interface SeenPost {
  query: Record<string, string>
  headers: Record<string, string>
  body: any
  status: number | string | null
}

export interface TestApi {
  url: string
  post(body: unknown, options?: { key?: string | null; query?: string; headers?: Record<string, string> }): Promise<Response>
  profile(userId: string): Promise<any>
  faults(faults: object[]): Promise<void>
  hang(on: boolean): Promise<void>
  requests(): Promise<{ posts: SeenPost[]; gets: number; preflights: number }>
  reset(): Promise<void>
  close(): Promise<void>
}

/** The local API for one test file (started before its tests, closed after). */
export const useApi = (): TestApi => use()
export const startTestApi = (): Promise<TestApi> => startApi()

/** A POST /uf/profile as a browser on the site's origin sends it (no key: the proxy holds it). */
export function profileRequest(body: unknown, { url = 'http://site.test/uf/profile?locationEnrichment=false', headers = {} as Record<string, string> } = {}) {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body == 'string' ? body : JSON.stringify(body),
  })
}

/** A body whose bytes arrive as a stream of `chunks` pieces of `size` bytes, with no Content-Length. */
export function streamed(size: number, chunks: number): ReadableStream<Uint8Array> {
  let sent = 0
  return new ReadableStream({
    pull(controller) {
      if (sent++ == chunks) return controller.close()
      controller.enqueue(new Uint8Array(size).fill(0x20))
    },
  })
}

export const day = (ms: number) => Math.floor(ms / 86_400_000)
