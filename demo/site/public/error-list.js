/**
 * The "Reported errors" list, on both pages: what the client reported (onError on the ESM page, its
 * console.error lines on the script tag page, both through debug-tap.js). A retry error only says
 * delivery is failing for now: once the client sends again (a "sent" debug line) it is marked
 * resolved, with when, rather than left to read as a problem that is still there.
 */
import { $, element, formatTime } from './dom.js'

/**
 * The error code of a report. The ESM page's onError passes the UserFluxError's own code; a
 * console.error line has only its message, whose first word the client always starts with its kind.
 */
const codeOf = (event) => event.code ?? (/^failed \(/.test(event.message) ? 'retrying' : /^(\w[\w-]*)/.exec(event.message)?.[1] ?? 'error')

export function mountErrorList(tap) {
  const list = $('error-log')
  const empty = $('error-log-empty')

  function add(event) {
    const code = codeOf(event)
    list.append(
      element('li', { 'data-testid': 'error-entry', 'data-code': code }, [
        element('time', {}, formatTime(event.at)),
        ` ${code}: ${event.message}`,
      ]),
    )
    empty.hidden = true
  }

  function resolveRetries(at) {
    for (const item of list.querySelectorAll('[data-code="retrying"]:not([data-resolved])')) {
      item.dataset.resolved = 'true'
      item.append(element('span', { class: 'resolved', 'data-testid': 'error-resolved' }, ` Resolved at ${formatTime(at)}: the client delivered again.`))
    }
  }

  const take = (event) => (event.kind == 'reported' ? add(event) : event.kind == 'sent' ? resolveRetries(event.at) : undefined)
  for (const event of tap.events) take(event)
  tap.listen(take)
}
