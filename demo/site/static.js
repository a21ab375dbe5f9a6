/**
 * Static files for the demo site: the page scripts in public/, the builds in dist/, and ky and nanoid
 * straight from node_modules for the ESM page's import map (no bundler in the demo).
 */
import { readFile } from 'node:fs/promises'
import { dirname, extname, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
}

/** Package directories as Node resolves them, so a hoisted or nested node_modules works alike. */
export function vendorDirs() {
  return {
    // ky's main entry is distribution/index.js; its siblings are what the import map needs.
    ky: dirname(fileURLToPath(import.meta.resolve('ky'))),
    // nanoid's Node entry sits at the package root, beside index.browser.js and url-alphabet/.
    nanoid: dirname(fileURLToPath(import.meta.resolve('nanoid'))),
  }
}

/**
 * Maps a URL path to a file under one of `mounts` (prefix → directory), refusing anything that would
 * leave the directory (`..`, encoded slashes, NUL).
 * @param {string} pathname the URL's pathname, still percent-encoded
 * @param {Record<string, string>} mounts e.g. { '/dist/': '/repo/dist' }
 * @returns {string | undefined}
 */
export function resolveStatic(pathname, mounts) {
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!pathname.startsWith(prefix)) continue
    let rest
    try {
      rest = decodeURIComponent(pathname.slice(prefix.length))
    } catch {
      return undefined
    }
    if (!rest || rest.includes('\0') || rest.includes('\\')) return undefined
    const root = resolve(dir)
    const file = resolve(root, rest)
    return file.startsWith(root + sep) ? file : undefined
  }
  return undefined
}

/** Reads a file for serving; undefined when it is missing or a directory. */
export async function readStatic(file) {
  try {
    return { body: await readFile(file), type: MIME[extname(file)] ?? 'application/octet-stream' }
  } catch {
    return undefined
  }
}
