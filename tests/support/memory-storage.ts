/** A `Storage` for unit tests that counts writes and can be told to fail. */
export class MemoryStorage implements Storage {
  data = new Map<string, string>()
  writes = 0
  failReads = 0
  failWrites = false

  get length() {
    return this.data.size
  }
  key(index: number) {
    return [...this.data.keys()][index] ?? null
  }
  getItem(key: string) {
    if (this.failReads > 0) {
      this.failReads--
      throw new DOMException('denied', 'SecurityError')
    }
    return this.data.get(key) ?? null
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new DOMException('full', 'QuotaExceededError')
    this.writes++
    this.data.set(key, String(value))
  }
  removeItem(key: string) {
    this.writes++
    this.data.delete(key)
  }
  clear() {
    this.data.clear()
  }
  /** The keys of the queues persisted. */
  queueKeys() {
    return [...this.data.keys()].filter((key) => key.includes('-queue-'))
  }
  /** The pending entries persisted under any queue key (format v1, or `q` of the releases before it). */
  queued() {
    return [...this.data].filter(([key]) => key.includes('-queue-')).flatMap(([, value]) => {
      const stored = JSON.parse(value)
      return stored.entries ?? stored.q
    })
  }
}
