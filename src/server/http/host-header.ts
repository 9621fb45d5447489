/**
 * DNS rebinding defence: a page on attacker.example can make its own name
 * resolve to 127.0.0.1, and its requests then reach this server as same-origin
 * ones. They still carry `Host: attacker.example`, so only loopback names and
 * the name the server was told to bind (`--host`) are answered.
 */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/** The host part of a Host header, lower case, IPv6 in brackets, without the port. */
export function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function hostChecker(boundHost?: string): (header: string | undefined) => boolean {
  const names = new Set(LOOPBACK_NAMES);
  if (boundHost !== undefined && !ANY_ADDRESS.has(boundHost)) {
    const bracketed = boundHost.includes(':') && !boundHost.startsWith('[');
    names.add((bracketed ? `[${boundHost}]` : boundHost).toLowerCase());
  }
  return (header) => header !== undefined && names.has(hostName(header));
}
