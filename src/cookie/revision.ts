/**
 * The revision of the next commit that changes the device or the current
 * user: above both what is stored and what the cookie last showed. (2^53
 * commits away from the encoder's limit.) Its own module: the client's core
 * uses it on every such commit, without loading the cookie code.
 */
export function nextRevision(stored: number, cookieSeen = 0): number {
  return Math.max(stored, cookieSeen) + 1;
}
