/**
 * Whether `endpoint` is a path of the page's own origin (`'/uf'`, not `'//host/uf'`): then a proxy
 * of the site (userflux-snippet/server) may hold the Write Only key, and the page may give none
 * (SPEC §12). A full URL, even of this origin, does not count: a path is what the README shows,
 * and it costs the script tag no URL parsing.
 */
export const firstParty = (endpoint: unknown) => /^\/\w/.test(endpoint as string)
