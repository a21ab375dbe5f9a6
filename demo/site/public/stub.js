// The README's loader stub (dist/stub.js, built from src/stub.js), hosted as a file so the page needs
// no inline script: until /userflux.min.js arrives, calls are recorded in order and replayed when it loads.
!function(){var r=window.userflux;r&&r.flush||(Array.isArray(r)||(r=window.userflux=[]),["identify","updateProfile","reset","optOut","optIn","flush","ready"].forEach(function(u){r[u]=function(){var n=[u].concat([].slice.call(arguments));if("flush"==u)return new Promise(function(u){n.resolve=u,r.push(n)});r.push(n)}}))}();
