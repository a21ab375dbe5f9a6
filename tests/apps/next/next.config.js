// The README's rewrite (Behind a first-party proxy): /uf/* on the site's own origin goes to the
// Integration API. USERFLUX_API points it at the local one in the test; read at `next build`.
const api = process.env.USERFLUX_API ?? 'https://integration-api.userflux.co'

module.exports = {
  // This app's own folder (the repository around it has lockfiles too).
  turbopack: { root: __dirname },
  async rewrites() {
    return [{ source: '/uf/:path*', destination: `${api}/:path*` }]
  },
}
