// This snippet as the bench runs it: the script tag build, configured by its data-* attributes, and
// the calls a page makes on window.userflux.

/** `code`: a script tag build (dist/userflux.min.js, or another build's, to compare). */
export const ours = (code, name = 'userflux') => ({
  name,
  script: code,
  attributes: (sink) => ({ 'data-write-key': 'bench-write-key', 'data-endpoint': sink }),
  // The script creates its client while it evaluates: it is ready when it has run.
  glue: `window.__sdk = {
    start() {},
    identify: (user, properties) => window.userflux.identify(user, properties),
    set: (properties) => window.userflux.updateProfile(properties),
    flush: () => window.userflux.flush(),
  }`,
})
