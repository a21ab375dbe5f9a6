// Every token UserFlux's own SDK blocks, as substrings in any case.
const NAMED =
  /(google|bing|yandex|duckduck|twitter|linkedin|msn|slack|telegram|apple|semrush|ahrefs|monoty)bot|crawl|spider|scraper|indexer|archiver|slurp|pingdom|facebookexternalhit|google-safety|amazon-(qbusiness|kendra)/i
// Generic: "bot"/"Bot" not followed by a lowercase letter (GPTBot, archive.org_bot, not "bottle"),
// and the "+http://" contact URL crawlers put in their user agent. Case-sensitive, and with the
// phone brand CUBOT taken out first: UserFlux's plain substring "bot" blocks its every owner.
const GENERIC = /[Bb]ot(?![a-z])|\+https?:\/\//

/** Whether a user agent is a crawler's. HeadlessChrome is not one here, nor an empty user agent. */
export const isBot = (userAgent: string): boolean => NAMED.test(userAgent) || GENERIC.test(userAgent.replace(/cubot/gi, ''))
