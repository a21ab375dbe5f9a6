// dist/consent-onetrust.min.js: the OneTrust adapter for the script tag; data-category="C0002".
import { oneTrust } from './onetrust.js'
import { onClient, tagData } from './tag.js'

const { category } = tagData()
onClient((client) => oneTrust(client, { category }))
