// An app's whole use of the package, in one line: what its bundle pays.
export { createClient } from '../../dist/index.js'
