export interface PageHandlers {
  /** The page is hidden or being left: the last moment that is sure to run. */
  hidden(): void
  /** pagehide: the page is being left (it may come back from the back/forward cache). */
  leave(): void
  /** pageshow of a page restored from the back/forward cache. */
  back(): void
  online(): void
}

export function watchPage(handlers: PageHandlers): void {
  if (typeof document == 'undefined') return
  addEventListener('pagehide', () => {
    handlers.hidden()
    handlers.leave()
  })
  addEventListener('pageshow', (event) => event.persisted && handlers.back())
  addEventListener('online', handlers.online)
  document.addEventListener('visibilitychange', () => document.visibilityState == 'hidden' && handlers.hidden())
}
