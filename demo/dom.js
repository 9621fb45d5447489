// The page's only way to put data on screen: elements built with
// createElement and text set with textContent, so a value such as
// `<img src=x onerror=alert(1)>` is always shown as the characters it is.

/**
 * `el('td', { className: 'x', dataset: { step: '1' }, title: 't' }, 'text', node)`.
 * Strings among the children become text nodes; null/false children are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces a container's content with the given children. */
export function show(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/** `12:04:05` (and the date when it is not today) of a simulated-clock timestamp. */
export function formatTime(ms, todayMs) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const date = new Date(ms);
  const time = date.toLocaleTimeString('en-GB', { hour12: false });
  const sameDay = new Date(todayMs ?? Date.now()).toDateString() === date.toDateString();
  return sameDay ? time : `${date.toISOString().slice(0, 10)} ${time}`;
}

/** JSON for the log, with errors readable and nothing thrown on odd values. */
export function toJson(value) {
  try {
    return JSON.stringify(value, (_key, v) => (v instanceof Error ? describeError(v) : v), 2);
  } catch {
    return String(value);
  }
}

export function describeError(error) {
  if (error && typeof error === 'object' && 'code' in error) {
    const http = error.httpCode === undefined ? '' : ` (HTTP ${error.httpCode})`;
    return `${error.code}${http}: ${error.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
