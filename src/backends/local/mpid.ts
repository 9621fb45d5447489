/**
 * A fresh MPID: a random signed 64-bit integer as a decimal string, like the
 * service's. "0" is never returned because clients read it as "no user".
 */
export function randomMpid(): string {
  const bytes = new Uint8Array(8);
  for (;;) {
    crypto.getRandomValues(bytes);
    let n = 0n;
    for (const byte of bytes) n = (n << 8n) | BigInt(byte);
    const mpid = BigInt.asIntN(64, n).toString();
    if (mpid !== '0') return mpid;
  }
}
