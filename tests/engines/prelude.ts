/**
 * A script the engine tests put first on every test page (a file, as the CSP forbids inline script).
 * It records in `window.__engine` what every engine can report from inside the page, and with
 * `?storage=` breaks localStorage before the snippet loads:
 * - `throws`: any access to `window.localStorage` throws a SecurityError (cookies blocked, sandboxed frames);
 * - `full`: really fills the origin's quota with data of its own, so the browser's own
 *   QuotaExceededError (each engine names and sizes it its own way) is what the snippet meets.
 * and with `?without=` plays an older browser than the one running:
 * - `locks`: no Web Locks (Safari before 15.4, Firefox before 96, Chrome before 69);
 * - `keepalive`: fetch ignores `keepalive` (Firefox before 133), so a request does not outlive its page.
 */
export type StorageTrouble = 'throws' | 'full'
export type Missing = 'locks' | 'keepalive'

export const PRELUDE = `(function () {
  var state = window.__engine = { console: [], errors: [], csp: [] };
  var error = console.error;
  console.error = function () {
    state.console.push([].map.call(arguments, String).join(' '));
    return error.apply(console, arguments);
  };
  addEventListener('error', function (event) { state.errors.push(String(event.message)) });
  addEventListener('unhandledrejection', function (event) { state.errors.push('unhandled rejection: ' + String(event.reason)) });
  document.addEventListener('securitypolicyviolation', function (event) {
    state.csp.push(event.violatedDirective + ' blocked ' + event.blockedURI);
  });
  var params = new URL(document.currentScript.src).searchParams;
  var without = params.get('without');
  if (without == 'locks') {
    Object.defineProperty(Navigator.prototype, 'locks', { configurable: true, get: function () { return undefined } });
  } else if (without == 'keepalive') {
    var fetch = window.fetch;
    window.fetch = function (input, init) {
      var plain = Object.assign({}, init);
      delete plain.keepalive;
      return fetch.call(this, input, plain);
    };
  }
  var storage = params.get('storage');
  if (storage == 'throws') {
    Object.defineProperty(window, 'localStorage', {
      configurable: true,
      get: function () { throw new DOMException('The operation is insecure.', 'SecurityError') }
    });
  } else if (storage == 'full') {
    var size = 1 << 20, i = 0, stored = 0;
    while (size >= 1) {
      try {
        localStorage.setItem('engine-fill-' + i, new Array(size + 1).join('x'));
        i++;
        stored += size;
      } catch (failure) {
        state.storage = failure.name;
        size = Math.floor(size / 2);
      }
    }
    state.storageFilled = stored;
  }
})();
`
