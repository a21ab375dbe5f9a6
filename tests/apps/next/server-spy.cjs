// Loaded into `next start` (NODE_OPTIONS=--require) by tests/apps/next.test.ts: Node 20 has no
// localStorage, so any read of one on the server, a UserFlux client being created included (it looks
// for the `uf-debug` switch there), is printed for the test to find.
Object.defineProperty(globalThis, 'localStorage', {
  configurable: true,
  get() {
    console.error('[server-spy] localStorage read on the server\n' + new Error().stack)
    return undefined
  },
})
// Said once at start, so the test knows the spy is in place (and its silence later means something).
console.log('[server-spy] watching localStorage')
