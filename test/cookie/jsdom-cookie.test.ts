/**
 * @jest-environment-options {"url": "https://a.b.example.co.uk/app/"}
 */
import { openIdentityCookie } from '../../src/cookie';

// jsdom's own cookie jar (tough-cookie, with the public suffix list): the
// probe must find example.co.uk exactly as a browser's jar would let it.
test('in jsdom on a.b.example.co.uk, the cookie goes to example.co.uk and reads back', () => {
  const cookie = openIdentityCookie({});
  expect(cookie.domain).toBe('example.co.uk');
  expect(cookie.secure).toBe(true);
  expect(document.cookie).toBe('');
  const state = { deviceId: 'device-1', mpid: '42', isLoggedIn: false, revision: 1 };
  expect(cookie.write(state)).toBe(true);
  expect(cookie.read()).toEqual({ ok: true, state });
  expect(document.cookie).not.toContain('probe');
  cookie.clear();
  expect(document.cookie).toBe('');
});
