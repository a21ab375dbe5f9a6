// What a browser bundle gets for `userflux-snippet/server` (package.json's "browser" condition): the
// proxy holds the Write Only key and getProfile the Read + Write key, neither of which may ship to
// a page. Edge runtimes resolve the real build first ("workerd", "worker", "edge-light" come before
// "browser" in the exports map). Listed in package.json's sideEffects, so the throw is never shaken out.
const message =
  'userflux-snippet/server is for servers (Node, Next.js route handlers, edge runtimes), not browsers: it handles API keys that must never reach a page. Import it only from server code; in the browser, use userflux-snippet.'

// The real entry's names, so that a bundle importing them builds, and this message is what it meets.
const unavailable = (): never => {
  throw new Error(message)
}
export { unavailable as createProxy, unavailable as toNodeHandler, unavailable as readAnonymousId, unavailable as getProfile, unavailable as UserFluxServerError }

throw new Error(message)
