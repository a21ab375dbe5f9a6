import vm from 'node:vm'

/** What must not change under the bundle: built-in prototypes and constructors of its own realm. */
export const WATCHED = ['Object.prototype', 'Array.prototype', 'Function.prototype', 'String.prototype', 'Promise.prototype', 'Object', 'Array', 'JSON', 'Math']

/**
 * Takes a snapshot of every own property (value, accessors, attributes) of the watched built-ins of a
 * `vm` context, and answers a function listing what changed since. The reflection runs in the host's
 * realm, so a polluted prototype in the context cannot blind the check; a built-in replaced outright
 * (`Object = …`) is seen too.
 */
export function watchBuiltIns(context) {
  const lookup = (path) => vm.runInContext(path, context)
  const targets = WATCHED.map((path) => [path, lookup(path)])
  const snapshot = () =>
    new Map(
      targets.map(([path, target]) => [
        path,
        new Map(
          Reflect.ownKeys(target).map((key) => {
            const d = Object.getOwnPropertyDescriptor(target, key)
            return [key, [d.value, d.get, d.set, d.writable, d.enumerable, d.configurable]]
          }),
        ),
      ]),
    )
  const before = snapshot()
  return () => {
    const changed = []
    const after = snapshot()
    for (const [path, target] of targets) {
      if (lookup(path) !== target) changed.push(`${path} (replaced)`)
      const was = before.get(path)
      const now = after.get(path)
      for (const [key, row] of now) {
        const old = was.get(key)
        if (!old || old.some((value, i) => value !== row[i])) changed.push(`${path}.${String(key)}`)
      }
      for (const key of was.keys()) if (!now.has(key)) changed.push(`${path}.${String(key)} (deleted)`)
    }
    return changed
  }
}
