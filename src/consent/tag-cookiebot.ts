// dist/consent-cookiebot.min.js: the Cookiebot adapter for the script tag; data-category="statistics".
import { cookiebot } from './cookiebot.js'
import { onClient, tagData } from './tag.js'

const { category } = tagData()
onClient((client) => cookiebot(client, { category: category as 'statistics' }))
