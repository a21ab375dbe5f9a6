import resolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'
import { createHash } from 'node:crypto'

/** Prints the Subresource Integrity value of a written file, for the script tag's integrity attribute. */
const printIntegrity = () => ({
  name: 'print-integrity',
  writeBundle(options, bundle) {
    for (const [name, chunk] of Object.entries(bundle)) {
      const hash = createHash('sha384').update(chunk.code).digest('base64')
      console.log(`${name}: integrity="sha384-${hash}"`)
    }
  },
})

const minify = terser({
  ecma: 2020,
  compress: { passes: 3 },
  // Names of our internal methods, unique to this code base, shortened like variables: the script
  // tag build has a 7 KiB budget. Public methods and option names are never in this list.
  mangle: { properties: { regex: /^(adoptFrom|relabel|touch|schedule|retryNow|sendOnExit|setUserId|retryAfter|canStore)$/ } },
  format: { comments: false },
})

export default [
  // For bundlers: ky and nanoid stay imports, so an app that has them pays for them once.
  {
    input: 'src/index.ts',
    external: ['ky', 'nanoid'],
    output: { file: 'dist/index.js', format: 'es' },
    plugins: [typescript({ noEmitOnError: true, declaration: true, declarationDir: 'dist', outDir: 'dist', exclude: ['src/iife.ts'] })],
  },
  // For the script tag: everything in one file, with nanoid's browser build.
  {
    input: 'src/iife.ts',
    output: { file: 'dist/userflux.min.js', format: 'iife' },
    plugins: [resolve({ browser: true }), typescript({ noEmitOnError: true, declaration: false, outDir: 'dist' }), minify, printIntegrity()],
  },
]
