/** Small DOM helpers for the demo panels (text only: nothing from the network becomes HTML). */

export const $ = (testId) => document.querySelector(`[data-testid="${testId}"]`)

/** An element with attributes and children (strings become text). */
export function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value)
  node.append(...(Array.isArray(children) ? children : [children]))
  return node
}

export function clear(node) {
  node.replaceChildren()
  return node
}

/** 14:03:27.512, local time: the order of events within seconds is what matters here. */
export const formatTime = (ms) => {
  const date = new Date(ms)
  const pad = (n, width = 2) => String(n).padStart(width, '0')
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}
