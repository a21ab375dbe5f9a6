/** A LockManager for one origin: exclusive locks, granted in request order, `ifAvailable` answered with null when held. */
export class FakeLocks {
  held = new Set<string>()
  queues = new Map<string, (() => void)[]>()
  requests: string[] = []
  request(name: string, options: unknown, callback?: (lock: { name: string } | null) => unknown): Promise<unknown> {
    const task = (callback ?? options) as (lock: { name: string } | null) => unknown
    const ifAvailable = !!callback && !!(options as { ifAvailable?: boolean }).ifAvailable
    this.requests.push(name)
    if (ifAvailable && this.held.has(name)) return Promise.resolve().then(() => task(null))
    return new Promise<void>((granted) => {
      // Held from the moment it is granted, so a request right after this one waits.
      const grant = () => {
        this.held.add(name)
        granted()
      }
      if (!this.held.has(name)) grant()
      else this.queues.set(name, [...(this.queues.get(name) ?? []), grant])
    }).then(async () => {
      try {
        return await task({ name })
      } finally {
        this.held.delete(name)
        this.queues.get(name)?.shift()?.()
      }
    })
  }
}
