// posthog-js for person properties only, as its docs configure it: no autocapture, no page views or
// page leaves, no session recording, surveys or feature flags; identify(id, $set) and
// setPersonProperties($set).
import posthog from 'posthog-js'

window.__sdk = {
  start: (host) =>
    new Promise((resolve) =>
      posthog.init('phc_bench', {
        api_host: host,
        autocapture: false,
        capture_pageview: false,
        capture_pageleave: false,
        disable_session_recording: true,
        disable_surveys: true,
        advanced_disable_flags: true,
        person_profiles: 'identified_only',
        // posthog-js drops events from automated browsers (navigator.webdriver, a HeadlessChrome
        // brand); its docs give this option for end-to-end tests.
        opt_out_useragent_filter: true,
        loaded: () => resolve(),
      }),
    ),
  identify: (user, properties) => posthog.identify(user, properties),
  set: (properties) => posthog.setPersonProperties(properties),
}
