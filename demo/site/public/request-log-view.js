/**
 * The "Live request log" panel: what the local API received (the body as it arrived) and answered,
 * newest first. The demo server pushes it as server-sent events (/api/requests/stream), reading the
 * API's log with the test token on its side, with the fault switch's state.
 */
import { $, clear, element, formatTime } from './dom.js'

const describeStatus = (status) => (status === null ? 'no answer yet' : status == 'dropped' ? 'dropped (no answer)' : String(status))
const statusClass = (status) => (typeof status != 'number' ? 'status-none' : status < 300 ? 'status-ok' : 'status-bad')

/**
 * @param {{ callsIn: (body: unknown) => number | undefined, visitors: Set<string> }} pending
 * @param {() => string | undefined} currentVisitor the client's anonymousId now
 * @param {(snapshot: any) => void} onSnapshot also told every snapshot (the fault switches show its mode)
 */
export function mountRequestLog(pending, currentVisitor, onSnapshot) {
  let snapshot
  const onlyMine = $('log-only-mine')

  function render() {
    if (!snapshot) return
    const status = $('log-status')
    if (!snapshot.available) {
      status.textContent = `No request log: ${snapshot.problem ?? 'the local API runs without its test routes (UF_TEST_CONTROL=0)'}.`
      return
    }
    const mine = new Set([...pending.visitors, currentVisitor()].filter(Boolean))
    const shown = snapshot.posts.filter((post) => !onlyMine.checked || mine.has(post.body?.anonymousId)).reverse()
    status.textContent = `${shown.length} of the API's last ${snapshot.posts.length} POST /profile requests, newest first.`
    const list = clear($('request-log'))
    for (const post of shown) {
      const body = post.body && typeof post.body == 'object' ? post.body : undefined
      const keys = body?.properties && typeof body.properties == 'object' ? Object.keys(body.properties).length : 0
      const calls = pending.callsIn(body)
      list.append(
        element('li', { 'data-testid': 'log-entry', 'data-status': String(post.status) }, [
          element('p', { class: 'log-head' }, [
            element('time', {}, formatTime(post.at)),
            element('span', { class: `status ${statusClass(post.status)}`, 'data-testid': 'log-status-code' }, describeStatus(post.status)),
            element('span', {}, `${keys} property key${keys == 1 ? '' : 's'}`),
            element('span', {}, calls ? `${calls} call${calls == 1 ? '' : 's'} made on this page` : 'calls: not from this page'),
          ]),
          element('pre', { 'data-testid': 'log-body' }, JSON.stringify(post.body, null, 2)),
        ]),
      )
    }
  }

  onlyMine.addEventListener('change', render)
  const source = new EventSource('/api/requests/stream')
  source.addEventListener('message', (event) => {
    snapshot = JSON.parse(event.data)
    onSnapshot(snapshot)
    render()
    document.documentElement.dataset.logLive = 'true'
  })
  source.addEventListener('error', () => ($('log-status').textContent = 'The demo server is not answering; reconnecting…'))
  // Calls made on this page change which rows count as this visitor's and how many calls they carry.
  return { render }
}
