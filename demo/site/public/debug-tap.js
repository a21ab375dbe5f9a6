// Loaded first, as a classic script, so that it is in place before the snippet says anything: it
// listens to the snippet's `debug` output (the pages turn debug on) and to the errors it reports,
// passes every line on to the console unchanged, and keeps them for the "Pending" panel. The
// client has no public "what is pending" getter; its debug lines are its public account of it:
//   [userflux] queued|coalesced { userId, anonymousId, properties }   a call was queued / merged into the last entry
//   [userflux] sent { userId, anonymousId, properties, ... }          an entry was delivered (2xx)
//   [userflux] failed (503: ...): retry 2 in 1840 ms                  a send failed and will be retried
//   userflux: ... (console.error or onError)                           a problem reported (3rd failure in a row, 401, ...)
;(function () {
  var events = []
  var listeners = []
  // Entries are the client's live objects: copy them as they were when logged.
  var copy = function (value) {
    try {
      return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
    } catch (error) {
      return undefined
    }
  }
  var emit = function (event) {
    event.at = Date.now()
    events.push(event)
    if (events.length > 500) events.shift()
    listeners.forEach(function (listener) {
      try {
        listener(event)
      } catch (error) {
        // A panel's bug must not break the page's console.
      }
    })
  }
  var log = console.log
  console.log = function (tag, what, entry) {
    if (tag === '[userflux]' && typeof what == 'string') {
      var kind = /^(queued|coalesced|sent)$/.test(what) ? what : /^failed /.test(what) ? 'failed' : 'note'
      emit({ kind: kind, message: what, entry: copy(entry) })
    }
    return log.apply(console, arguments)
  }
  var error = console.error
  console.error = function (first) {
    if (typeof first == 'string' && first.indexOf('userflux: ') === 0) emit({ kind: 'reported', message: first.slice(10) })
    return error.apply(console, arguments)
  }
  window.ufDemoTap = {
    events: events,
    /** For an `onError` handler: the same account as console.error gives without one. */
    report: function (problem) {
      emit({ kind: 'reported', code: problem && problem.code, message: String((problem && problem.message) || problem).replace(/^userflux: /, '') })
    },
    listen: function (listener) {
      listeners.push(listener)
    },
  }
})()
