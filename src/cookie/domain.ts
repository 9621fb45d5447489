/**
 * Where the identity cookie can live. Browsers refuse a cookie for a public
 * suffix (com, co.uk, github.io...), so the registrable domain is the
 * shortest suffix of the host that accepts one: no public-suffix list to ship.
 */

/**
 * localhost, IPv4 (a host ending in a number is one, to URL parsers), IPv6
 * (bracketed in location.hostname), single-label and trailing-dot hosts take
 * no Domain attribute.
 */
export function isHostOnlyHost(hostname: string): boolean {
  return /^[\d.]+$|:|^[^.]*$|(^|\.)localhost$|\.$/.test(hostname);
}

/** True when a cookie for `domain` is sent to `hostname` (RFC 6265 domain-match). */
export function domainCovers(domain: string, hostname: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}
