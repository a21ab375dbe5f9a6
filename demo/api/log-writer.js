/**
 * The append-only log's writer: a request's update is acknowledged only once its line is on disk.
 *
 * Group commit: lines that arrive while a write + fdatasync is under way wait and go together in the
 * next one, so one fsync covers every request of a burst (throughput holds as connections grow, each
 * waits about one or two fsyncs). Writes are positional and asynchronous (libuv's thread pool), so the
 * event loop, and the demo site in the same process, never waits on the disk.
 *
 * A failed write is retried, with backoff, for as long as it takes, the same bytes at the same offset
 * (nothing torn stays in the middle of the log). After `answerAfterFailures` failed attempts the
 * requests waiting on it are answered with a failure (the server says 503): their lines stay queued, in
 * order, and are written once the disk works again, which may apply an update its client will send
 * again (harmless: profile updates merge). While broken, `healthy` is false and the server refuses new
 * updates at once.
 */
import { close as closeFd, fdatasync, write } from 'node:fs'
import { promisify } from 'node:util'

const writeAsync = promisify(write)
const syncAsync = promisify(fdatasync)

/** The file operations, replaceable in tests to make the disk fail. */
export const fileIo = {
  /** Writes all of `buffer` at `position`. */
  async write(fd, buffer, position) {
    for (let done = 0; done < buffer.length; ) {
      const { bytesWritten } = await writeAsync(fd, buffer, done, buffer.length - done, position + done)
      done += bytesWritten
    }
  },
  sync: (fd) => syncAsync(fd),
}

/**
 * @param {{ fd: number, io?: typeof fileIo, warn: (message: string) => void, retryMs?: number, retryMaxMs?: number, answerAfterFailures?: number }} options
 */
export function createLogWriter({ fd, io = fileIo, warn, retryMs = 20, retryMaxMs = 1000, answerAfterFailures = 2 }) {
  /** @type {({ buffer: Buffer, resolve: (() => void) | null, reject: ((error: Error) => void) | null } | { rotateTo: number, resolve: () => void })[]} */
  const queue = []
  let offset = 0
  let running = false
  let broken = false
  /** @type {Promise<void>} */ let drained = Promise.resolve()
  let onDrained = () => {}

  const failWaiting = (items, error) => {
    for (const item of items) {
      if ('buffer' in item && item.reject) item.reject(error)
      if ('buffer' in item) item.resolve = item.reject = null
    }
  }

  async function run() {
    while (queue.length) {
      const head = queue[0]
      if ('rotateTo' in head) {
        queue.shift()
        closeFd(fd, () => {})
        fd = head.rotateTo
        offset = 0
        head.resolve()
        continue
      }
      let end = queue.findIndex((item) => 'rotateTo' in item)
      if (end < 0) end = queue.length
      const batch = /** @type {{ buffer: Buffer, resolve: (() => void) | null, reject: ((error: Error) => void) | null }[]} */ (queue.splice(0, end))
      const data = batch.length == 1 ? batch[0].buffer : Buffer.concat(batch.map((item) => item.buffer))
      for (let attempt = 1; ; attempt++) {
        try {
          await io.write(fd, data, offset)
          await io.sync(fd)
          break
        } catch (error) {
          if (!broken) warn(`could not save profile updates (${error.message}); retrying`)
          if (attempt >= answerAfterFailures) {
            broken = true
            failWaiting(batch, error)
            failWaiting(queue, error)
          }
          await new Promise((resolve) => setTimeout(resolve, Math.min(retryMaxMs, retryMs * 2 ** (attempt - 1))))
        }
      }
      offset += data.length
      if (broken) warn('saving profile updates works again')
      broken = false
      for (const item of batch) item.resolve?.()
    }
    running = false
    onDrained()
  }

  const kick = () => {
    if (running) return
    running = true
    drained = new Promise((resolve) => (onDrained = resolve))
    run()
  }

  return {
    /** Appends `text` (one or more whole lines); resolves once it is on disk. */
    append(text) {
      return new Promise((resolve, reject) => {
        queue.push({ buffer: Buffer.from(text), resolve, reject })
        kick()
      })
    },
    /** After every line appended so far, continues in the file open as `nextFd`; resolves once switched. */
    rotate(nextFd) {
      return new Promise((resolve) => {
        queue.push({ rotateTo: nextFd, resolve })
        kick()
      })
    },
    /** False while writes fail: the server then refuses updates with 503. */
    get healthy() {
      return !broken
    },
    /** Resolves once the queue is empty, or after `timeoutMs` (a broken disk never empties it). */
    async idle(timeoutMs = 5000) {
      if (!running) return true
      let timer
      const timedOut = new Promise((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))
      const result = await Promise.race([drained.then(() => true), timedOut])
      clearTimeout(timer)
      return result
    },
    close() {
      closeFd(fd, () => {})
    },
  }
}
