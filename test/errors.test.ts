import { IdentityError, isIdentityError } from '../src';

test('IdentityError carries a code, an httpCode and survives instanceof', () => {
  const error = new IdentityError('rate_limited', 'slow down', {
    httpCode: 429,
    retryAfterMs: 2000,
  });
  expect(error).toBeInstanceOf(IdentityError);
  expect(error).toBeInstanceOf(Error);
  expect(isIdentityError(error)).toBe(true);
  expect(error.code).toBe('rate_limited');
  expect(error.httpCode).toBe(429);
  expect(error.retryAfterMs).toBe(2000);
  expect(error.name).toBe('IdentityError');
});
