// dist/consent-consent-mode.min.js: the Consent Mode adapter for the script tag (window.dataLayer).
import { consentMode } from './consent-mode.js'
import { onClient } from './tag.js'

onClient((client) => consentMode(client))
