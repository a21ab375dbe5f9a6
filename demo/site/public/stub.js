// The README's loader stub (dist/stub.js, built from src/stub.js), hosted as a file so the page needs
// no inline script: until /userflux.min.js arrives, calls are recorded in order and replayed when it loads.
!function(){var r=window.userflux;r&&r.flush||(Array.isArray(r)||(r=window.userflux=[]),["identify","setUser","updateProfile","reset","optOut","optIn","flush","ready"].forEach(function(e){r[e]=function(){var u=[e].concat([].slice.call(arguments));if("flush"==e)return new Promise(function(e){u.resolve=e,r.push(u)});r.push(u)}}))}();
