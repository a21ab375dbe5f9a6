/**
 * Reads a request body up to `max` bytes, counting what actually streams in: a `Content-Length` can
 * lie (or be absent, with chunked encoding), so it only lets an oversized body be refused early.
 */
export async function readCapped(request: Request, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const declared = Number(request.headers.get('content-length'))
  if (declared > max) {
    await request.body?.cancel().catch(() => {})
    return null
  }
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      // Stop reading: the rest of an oversized upload is never buffered.
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) body.set(chunk, at), (at += chunk.byteLength)
  return body
}
