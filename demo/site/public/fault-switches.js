/**
 * The "Fault switches" panel: each button asks the demo server to make the local API misbehave
 * (POST /api/faults); the demo server does it with the API's fault injection. The pressed state
 * comes from the server (the request log's stream), so every open page shows the same switch.
 */
import { $ } from './dom.js'

export function mountFaultSwitches() {
  const buttons = [...document.querySelectorAll('[data-fault]')]
  const show = (mode) => {
    for (const button of buttons) button.setAttribute('aria-pressed', String(button.dataset.fault == mode))
    const label = buttons.find((button) => button.dataset.fault == mode)?.dataset.label
    if (label) $('fault-status').textContent = `Now: ${label}.`
  }

  for (const button of buttons) {
    button.addEventListener('click', async () => {
      $('fault-status').textContent = `Switching to: ${button.dataset.label}…`
      try {
        const response = await fetch('/api/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode: button.dataset.fault }) })
        const answer = await response.json()
        if (!response.ok) throw new Error(answer.message)
        show(answer.mode)
      } catch (error) {
        $('fault-status').textContent = `Could not switch: ${error.message}`
      }
    })
  }
  return {
    /** A snapshot of the request log carries the server's switch. */
    update: (snapshot) => snapshot.mode && show(snapshot.mode),
  }
}
