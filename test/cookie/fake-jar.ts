/**
 * A cookie jar that behaves like a browser's for what the identity cookie
 * does: it refuses a Domain that is a public suffix or does not cover the
 * host, a Domain on an IP address, and Secure on an http page; Max-Age=0
 * deletes. Every string written is recorded, in order.
 */
const PUBLIC_SUFFIXES = new Set(['com', 'uk', 'co.uk', 'io', 'github.io', 'test']);

interface Stored {
  name: string;
  value: string;
  domain: string | null;
}

export class FakeJar {
  readonly writes: string[] = [];
  private readonly stored: Stored[] = [];

  constructor(
    readonly hostname: string,
    readonly https = true,
    readonly refuseAll = false,
  ) {}

  get page() {
    const protocol = this.https ? 'https:' : 'http:';
    return { hostname: this.hostname, protocol, href: `${protocol}//${this.hostname}/app/` };
  }

  get cookie(): string {
    return this.stored.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  set cookie(text: string) {
    this.writes.push(text);
    const [pair = '', ...attributes] = text.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let domain: string | null = null;
    let maxAge: number | null = null;
    let secure = false;
    for (const attribute of attributes) {
      const [key = '', arg = ''] = attribute.split('=');
      if (key.toLowerCase() === 'domain') domain = arg.toLowerCase().replace(/^\./, '');
      if (key.toLowerCase() === 'max-age') maxAge = Number(arg);
      if (key.toLowerCase() === 'secure') secure = true;
    }
    if (this.refuseAll || (secure && !this.https)) return;
    if (domain !== null) {
      const covers = this.hostname === domain || this.hostname.endsWith(`.${domain}`);
      const ip = /^[\d.]+$/.test(this.hostname) || this.hostname.includes(':');
      if (PUBLIC_SUFFIXES.has(domain) || !covers || (ip && domain !== this.hostname)) return;
      if (ip) domain = null;
    }
    const at = this.stored.findIndex((c) => c.name === name && c.domain === domain);
    if (at >= 0) this.stored.splice(at, 1);
    if (maxAge === null || maxAge > 0) this.stored.push({ name, value, domain });
  }

  /** The stored cookies with their domain (null: host-only). */
  entries(): ReadonlyArray<Readonly<Stored>> {
    return this.stored.map((c) => ({ ...c }));
  }
}
