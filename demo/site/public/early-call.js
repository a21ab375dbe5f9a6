// A call made before the snippet has loaded: the stub buffers it and the snippet replays it.
window.userflux.updateProfile({ lastDemoPage: 'script-tag', lastDemoVisitAt: new Date().toISOString() })
