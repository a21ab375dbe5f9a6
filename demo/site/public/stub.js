// The README's loader stub, hosted as a file so the page needs no inline script: until
// /userflux.min.js arrives, calls are recorded in order and replayed when it loads.
window.userflux=window.userflux||[];["identify","updateProfile","reset","optOut","optIn"].forEach(function(m){window.userflux[m]=window.userflux[m]||function(){window.userflux.push([m].concat([].slice.call(arguments)))}});
