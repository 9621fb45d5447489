/**
 * Where the identity cookie can live. Browsers refuse a cookie for a public
 * suffix (com, co.uk, github.io...), so the registrable domain is the
 * shortest suffix of the host that accepts one: no public-suffix list to ship.
 */

/** localhost, IPv4, IPv6 and single-label hosts take no Domain attribute. */
export function isHostOnlyHost(hostname: string): boolean {
  return (
    !hostname.includes('.') ||
    hostname.includes(':') || // IPv6, bracketed in location.hostname
    hostname.endsWith('.') ||
    /^[\d.]+$/.test(hostname) || // IPv4 (a host ending in a number is one, to URL parsers)
    hostname === 'localhost' ||
    hostname.endsWith('.localhost')
  );
}

/** True when a cookie for `domain` is sent to `hostname` (RFC 6265 domain-match). */
export function domainCovers(domain: string, hostname: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}

/** The suffixes of a host that could hold the cookie, shortest first (TLDs never can). */
export function candidateDomains(hostname: string): string[] {
  const labels = hostname.toLowerCase().split('.');
  const out: string[] = [];
  for (let n = 2; n <= labels.length; n++) out.push(labels.slice(-n).join('.'));
  return out;
}
