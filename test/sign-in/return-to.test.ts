import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { localPath } from '../../bffs/kit/sign-in/return-to.ts';

/** What `returnTo` turns into: the path the callback answers as its Location, or RETURN_TO_REFUSED. */
const outcome = (returnTo: string | null) => {
  try {
    return localPath(returnTo);
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions.code : error;
  }
};

describe('returnTo: the path after sign-in stays on this site', () => {
  it.each([
    // Dot segments that resolve to `//host`, which a browser reads as another site.
    ['/.//evil.example', 'RETURN_TO_REFUSED'],
    ['/..//evil.example', 'RETURN_TO_REFUSED'],
    ['/%2e//evil.example', 'RETURN_TO_REFUSED'],
    ['/%2E%2E//evil.example', 'RETURN_TO_REFUSED'],
    ['/a/..//evil.example', 'RETURN_TO_REFUSED'],
    ['/a/b/../..//evil.example/x?y#z', 'RETURN_TO_REFUSED'],
    // Encoded slashes and backslashes: one decoding step (a proxy, a framework) away from `//host` or `/\host`.
    ['/.%2F/evil.example', 'RETURN_TO_REFUSED'],
    ['/.%2f/evil.example', 'RETURN_TO_REFUSED'],
    ['/%2F/evil.example', 'RETURN_TO_REFUSED'],
    ['/%5Cevil.example', 'RETURN_TO_REFUSED'],
    ['/%5', 'RETURN_TO_REFUSED'],
    // What the raw check always refused.
    ['//evil.example', 'RETURN_TO_REFUSED'],
    ['/\\evil.example', 'RETURN_TO_REFUSED'],
    ['https://evil.example/', 'RETURN_TO_REFUSED'],
    ['javascript:alert(1)', 'RETURN_TO_REFUSED'],
    ['/\tx', 'RETURN_TO_REFUSED'],
    // Local paths: taken, as resolved.
    ['/account', '/account'],
    ['/a/b/../account?tab=tv#top', '/a/account?tab=tv#top'],
    ['/./account', '/account'],
    ['/account?next=//evil.example', '/account?next=//evil.example'],
    ['/caf%C3%A9', '/caf%C3%A9'],
  ])('%s → %s', (returnTo, expected) => {
    expect(outcome(returnTo)).toBe(expected);
  });

  it('no returnTo is the site root; one over 2048 characters is refused', () => {
    expect(outcome(null)).toBe('/');
    expect(outcome('')).toBe('/');
    expect(outcome(`/${'a'.repeat(2048)}`)).toBe('RETURN_TO_REFUSED');
  });

  it('whatever it returns resolves on this site, and is its own answer when given again', () => {
    for (const returnTo of ['/a/../b', '/./x/./y', '/%2e/x', '/x/%2e%2e/y', '/account?next=//e#//f']) {
      const path = localPath(returnTo);
      expect(new URL(path, 'https://site.example').origin, returnTo).toBe('https://site.example');
      expect(localPath(path), returnTo).toBe(path);
    }
  });
});
