/** toNodeHandler on its own: what it hands the handler, and how it writes the Response back. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { toNodeHandler } from '../../src/server/index.js'

let server: Server | undefined
afterEach(() => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined))))

async function serve(handler: (request: Request) => Promise<Response>) {
  server = createServer(toNodeHandler(handler))
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('toNodeHandler', () => {
  it('the Request: method, full URL, headers, streamed body', async () => {
    let seen: { method: string; url: string; header: string | null; body: string } | undefined
    const url = await serve(async (request) => {
      seen = { method: request.method, url: request.url, header: request.headers.get('x-test'), body: await request.text() }
      return new Response('ok')
    })
    await fetch(url + '/uf/profile?locationEnrichment=true', { method: 'POST', headers: { 'x-test': 'yes' }, body: 'hello' })
    expect(seen).toEqual({ method: 'POST', url: url + '/uf/profile?locationEnrichment=true', header: 'yes', body: 'hello' })
  })

  it('the Response: status, headers, every Set-Cookie apart, body', async () => {
    const url = await serve(async () => {
      const headers = new Headers({ 'content-type': 'text/plain', 'x-a': '1' })
      headers.append('set-cookie', 'a=1; Path=/')
      headers.append('set-cookie', 'b=2; Path=/')
      return new Response('body', { status: 201, headers })
    })
    const response = await fetch(url)
    expect(response.status).toBe(201)
    expect(response.headers.get('x-a')).toBe('1')
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(await response.text()).toBe('body')
  })

  it('a handler that throws: 500, logged, the server keeps serving', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      let calls = 0
      const url = await serve(async () => {
        if (calls++ == 0) throw new Error('boom')
        return new Response(null, { status: 204 })
      })
      expect((await fetch(url)).status).toBe(500)
      expect((await fetch(url)).status).toBe(204)
      expect(error).toHaveBeenCalledWith('userflux-snippet/server: toNodeHandler failed', expect.any(Error))
    } finally {
      error.mockRestore()
    }
  })
})
