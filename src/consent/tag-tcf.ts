// dist/consent-tcf.min.js: the TCF adapter for the script tag; data-purposes="1,7" names the purposes.
import { onClient, tagData } from './tag.js'
import { tcf } from './tcf.js'

const { purposes } = tagData()
onClient((client) => tcf(client, { purposes: purposes?.split(',').map(Number) }))
