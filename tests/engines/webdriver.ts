/**
 * The few WebDriver classic commands the WebKit driver needs (W3C WebDriver, §-names in comments),
 * spoken over fetch: fewer lines than a client library, and nothing else to install.
 */
export class WebDriverSession {
  private constructor(
    private readonly base: string,
    readonly id: string,
    readonly capabilities: Record<string, any>,
  ) {}

  static async create(base: string, capabilities: Record<string, unknown>): Promise<WebDriverSession> {
    const value = await command(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } })
    return new WebDriverSession(base, value.sessionId, value.capabilities)
  }

  private call = (method: string, path: string, body?: unknown) => command(this.base, method, `/session/${this.id}${path}`, body)

  setTimeouts = (timeouts: { script?: number; pageLoad?: number }) => this.call('POST', '/timeouts', timeouts)
  /** Navigate To: resolves once the new document has loaded. */
  navigate = (url: string) => this.call('POST', '/url', { url })
  refresh = () => this.call('POST', '/refresh', {})
  windowHandle = (): Promise<string> => this.call('GET', '/window')
  newWindow = async (): Promise<string> => (await this.call('POST', '/window/new', { type: 'tab' })).handle
  switchTo = (handle: string) => this.call('POST', '/window', { handle })
  /** Close Window: closes the current one; the session ends with its last window. */
  closeWindow = (): Promise<string[]> => this.call('DELETE', '/window')
  deleteCookies = () => this.call('DELETE', '/cookie')
  /** Execute Async Script: `body` is a function body whose last argument is the callback. */
  executeAsync = (body: string, args: unknown[] = []) => this.call('POST', '/execute/async', { script: body, args })
  end = () => this.call('DELETE', '')
}

async function command(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await response.json().catch(() => ({}))) as { value?: any }
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${response.status} ${json.value?.error ?? ''}: ${json.value?.message ?? ''}`)
  return json.value
}
