// Every token UserFlux's own SDK blocks, in any case: its names ending in "bot" (googlebot, bingbot,
// …) fall under the generic "bot" not followed by a letter (GPTBot, archive.org_bot, Slackbot-…,
// not "bottle"), with the phone brand CUBOT taken out first, which UserFlux's plain substring
// "bot" blocks with every owner of one. "+http://" is the contact URL crawlers put in their agent.
const CRAWLER = /bot(?![a-z])|crawl|spider|scraper|indexer|archiver|slurp|pingdom|facebookexternalhit|google-safety|amazon-(qbusiness|kendra)|\+https?:\/\//i

/** Whether a user agent is a crawler's. HeadlessChrome is not one here, nor an empty user agent. */
export const isBot = (userAgent: string): boolean => CRAWLER.test(userAgent.replace(/cubot/gi, ''))
