/**
 * Page lifecycle: `hidden` runs when the page is hidden or left (the last moment sure to run, on
 * mobile too), `leave` on pagehide (the page may come back from the back/forward cache), `back` when
 * it does, `online` when the network returns.
 */
export function watchPage(hidden: () => void, leave: () => void, back: () => void, online: () => void, signal?: AbortSignal): void {
  if (typeof document == 'undefined') return
  // `signal`: the client's destroy() removes them all.
  const options = { signal }
  addEventListener(
    'pagehide',
    () => {
      hidden()
      leave()
    },
    options,
  )
  addEventListener('pageshow', (event) => event.persisted && back(), options)
  addEventListener('online', online, options)
  document.addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && hidden(), options)
}
