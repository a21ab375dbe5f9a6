// The loader stub (README, "Quick start: script tag"; built to dist/stub.js). It goes before the
// script tag and records calls made before /userflux.min.js arrives, as [method, ...args] entries of
// the array at window.userflux, which the script replays in order (src/iife.ts). Plain ES5, no eval:
// it runs on every page, first.
var uf = window.userflux
// A client already loaded, or this stub run twice: nothing to do. Anything else there (an element
// with id="userflux", which browsers put on window by name) gives way to the buffer.
if (!(uf && uf.flush)) {
  if (!Array.isArray(uf)) uf = window.userflux = []
  ;['identify', 'setUser', 'updateProfile', 'reset', 'optOut', 'optIn', 'flush', 'ready'].forEach(function (method) {
    uf[method] = function () {
      var call = [method].concat([].slice.call(arguments))
      // flush() before load: a promise, resolved with the client's own flush() result once it ran.
      if (method == 'flush')
        return new Promise(function (resolve) {
          call.resolve = resolve
          uf.push(call)
        })
      uf.push(call)
    }
  })
}
