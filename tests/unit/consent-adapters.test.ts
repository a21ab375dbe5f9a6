/**
 * The consent adapters against hostile or odd input from the tools' side (issue 22, SPEC §14): a
 * tool's callback, a dataLayer push or an event never throws into the page, and nothing read through
 * a prototype grants. The happy paths run against stand-ins in Chromium (tests/e2e/consent-adapters).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConsentState } from '../../src/index.js'
import { consentMode } from '../../src/consent/consent-mode.js'
import { cookiebot } from '../../src/consent/cookiebot.js'
import { follow, own } from '../../src/consent/follow.js'
import { oneTrust } from '../../src/consent/onetrust.js'
import { tcf } from '../../src/consent/tcf.js'

/** A client as the adapters see it, recording what they asked for. */
const fakeClient = (consent: ConsentState = 'pending') => {
  const calls: string[] = []
  const client = {
    consent,
    optIn: () => (calls.push('optIn'), (client.consent = 'granted')),
    optOut: () => (calls.push('optOut'), (client.consent = 'denied')),
  }
  return Object.assign(client, { calls })
}

let window: EventTarget
beforeEach(() => {
  window = new EventTarget()
  vi.stubGlobal('addEventListener', window.addEventListener.bind(window))
  vi.stubGlobal('removeEventListener', window.removeEventListener.bind(window))
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('follow and own', () => {
  it('changes the client only when the tool changes its answer', () => {
    const client = fakeClient()
    const apply = follow(client)
    for (const verdict of [undefined, true, true, false, false, undefined, true]) apply(verdict)
    expect(client.calls).toEqual(['optIn', 'optOut', 'optIn'])
  })

  it('reads own properties only, and anything unreadable as absent', () => {
    expect(own(Object.create({ statistics: true }), 'statistics')).toBeUndefined()
    expect(own({ get statistics() { throw new Error('hostile') } }, 'statistics')).toBeUndefined()
    expect(own(new Proxy({}, { getOwnPropertyDescriptor: () => { throw new Error('hostile') } }), 'x')).toBeUndefined()
    expect(own('C0002', 0)).toBeUndefined()
    expect(own({ __proto__: null, 1: true } as object, 1)).toBe(true)
  })

  it('never throws out of a client that does', () => {
    const apply = follow({ consent: 'pending', optIn: () => { throw new Error('broken') }, optOut() {} })
    expect(() => apply(true)).not.toThrow()
  })
})

describe('tcf', () => {
  const cmp = () => {
    let listener: ((tcData: unknown, success: unknown) => void) | undefined
    const api = vi.fn((command: string, _version: number, callback: (...args: any[]) => void) => {
      if (command == 'addEventListener') listener = callback
    })
    vi.stubGlobal('__tcfapi', api)
    return { api, send: (tcData: unknown, success: unknown = true) => listener!(tcData, success) }
  }

  it('survives whatever the CMP calls back with, and grants only on own consents of every purpose', () => {
    const { send } = cmp()
    const client = fakeClient()
    tcf(client, { purposes: [1, 3] })
    for (const odd of [null, 42, 'x', {}, { eventStatus: 'tcloaded' }, { eventStatus: 'tcloaded', purpose: null }, { eventStatus: 'tcloaded', purpose: { consents: 'yes' } }])
      expect(() => send(odd)).not.toThrow()
    expect(client.calls).toEqual(['optOut'])
    send({ eventStatus: 'tcloaded', purpose: { consents: Object.create({ 1: true, 3: true }) } })
    expect(client.consent).toBe('denied')
    send({ eventStatus: 'useractioncomplete', purpose: { consents: { 1: true, 3: true } } })
    expect(client.consent).toBe('granted')
    // A failed call, or the UI shown again, changes nothing.
    send({ eventStatus: 'useractioncomplete', purpose: { consents: {} } }, false)
    send({ eventStatus: 'cmpuishown', purpose: { consents: {} } })
    expect(client.consent).toBe('granted')
  })

  it('an unusable purposes list means the default, purpose 1', () => {
    const { send } = cmp()
    const client = fakeClient()
    tcf(client, { purposes: [Number.NaN] })
    send({ eventStatus: 'tcloaded', purpose: { consents: { 1: true } } })
    expect(client.consent).toBe('granted')
  })

  it('waits for a CMP that installs __tcfapi late, and stops waiting on dispose', () => {
    vi.useFakeTimers()
    const client = fakeClient()
    const dispose = tcf(client, { waitFor: 1000 })
    vi.advanceTimersByTime(400)
    const { api } = cmp()
    vi.advanceTimersByTime(200)
    expect(api).toHaveBeenCalledWith('addEventListener', 2, expect.any(Function))
    dispose()
    const late = vi.fn()
    tcf(client, { waitFor: 1000 })()
    vi.stubGlobal('__tcfapi', late)
    vi.advanceTimersByTime(2000)
    expect(late).not.toHaveBeenCalled()
  })
})

describe('consentMode', () => {
  it('ignores a dataLayer that is not an array, and odd entries', () => {
    const client = fakeClient()
    expect(() => consentMode(client, { dataLayer: 'nope' as any })()).not.toThrow()
    const layer: unknown[] = [null, 1, ['consent'], ['consent', 'update', null], ['consent', 'update', Object.create({ analytics_storage: 'granted' })]]
    consentMode(client, { dataLayer: layer })
    expect(client.calls).toEqual([])
    layer.push(['consent', 'update', { analytics_storage: 'granted' }])
    expect(client.consent).toBe('granted')
  })

  it('dispose restores the push it found, unless another script wrapped ours since', () => {
    const layer: unknown[] = []
    const original = layer.push
    consentMode(fakeClient(), { dataLayer: layer })()
    expect(layer.push).toBe(original)
    const wrapped: unknown[] = []
    const dispose = consentMode(fakeClient(), { dataLayer: wrapped })
    const ours = wrapped.push
    const theirs = function (this: unknown, ...entries: unknown[]) {
      return ours.apply(wrapped, entries)
    }
    wrapped.push = theirs
    dispose()
    expect(wrapped.push).toBe(theirs)
    expect(wrapped.push(1, 2)).toBe(2)
  })
})

describe('oneTrust', () => {
  it.each(['', ',', ' ', 'C0002,C0003'])('a category of %j is not usable: the default C0002 is read', (category) => {
    const client = fakeClient()
    vi.stubGlobal('OnetrustActiveGroups', ',C0001,')
    oneTrust(client, { category })
    expect(client.consent).toBe('denied')
    vi.stubGlobal('OnetrustActiveGroups', ',C0001,C0002,')
    window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: 'not an array' }))
    expect(client.consent).toBe('granted')
  })

  it('stops listening on dispose', () => {
    const client = fakeClient()
    oneTrust(client)()
    window.dispatchEvent(new CustomEvent('OneTrustGroupsUpdated', { detail: ['C0001', 'C0002'] }))
    expect(client.calls).toEqual([])
  })
})

describe('cookiebot', () => {
  it('a Cookiebot object with throwing getters or inherited consent grants nothing and throws nothing', () => {
    const client = fakeClient()
    vi.stubGlobal('Cookiebot', { get consent() { throw new Error('hostile') } })
    cookiebot(client)
    vi.stubGlobal('Cookiebot', { consent: Object.create({ statistics: true }), hasResponse: true })
    expect(() => window.dispatchEvent(new Event('CookiebotOnAccept'))).not.toThrow()
    expect(client.calls).toEqual([])
  })

  it('an unknown category falls back to statistics', () => {
    const client = fakeClient()
    vi.stubGlobal('Cookiebot', { consent: { statistics: true, toString: true }, hasResponse: true })
    cookiebot(client, { category: 'toString' as any })
    expect(client.consent).toBe('granted')
  })
})
