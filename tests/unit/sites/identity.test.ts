import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cardIdentity, namespaceFromHost, normaliseHandle, normaliseNamespace, parseCardIdentity } from '../../../lib/sites';

describe('card identities handle@namespace', () => {
  it('folds case the way the site compares handles', () => {
    expect(normaliseHandle('Alice[away]', 'rfc1459')).toBe('alice{away}');
    expect(normaliseHandle('A\\B~', 'rfc1459')).toBe('a|b^');
    expect(normaliseHandle('Alice[away]', 'ascii')).toBe('alice[away]');
    expect(normaliseHandle('Alice', 'exact')).toBe('Alice');
    expect(cardIdentity(' Bob ', 'OvercryptTest', 'rfc1459')).toBe('bob@overcrypttest');
  });

  it('refuses handles that are not visible ASCII or that contain "@"', () => {
    for (const bad of ['', 'al ice', 'bob@evil', 'ålice', 'a'.repeat(65), 'x\u202e', 'ta\tb']) {
      expect(() => normaliseHandle(bad), bad).toThrow(expect.objectContaining({ code: 'Malformed' }));
    }
  });

  it('turns hosts and network names into ASCII namespaces', () => {
    expect(namespaceFromHost('Chat.Example.COM:8443')).toBe('chat.example.com');
    expect(namespaceFromHost('[::1]:9000')).toBe('::1');
    expect(normaliseNamespace('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normaliseNamespace('My  Net')).toBe('my-net');
    expect(() => normaliseNamespace('a@b')).toThrow(expect.objectContaining({ code: 'Malformed' }));
  });

  it('parses what it builds, and only normal forms', () => {
    expect(parseCardIdentity('alice@overcrypttest')).toEqual({ handle: 'alice', namespace: 'overcrypttest' });
    expect(() => parseCardIdentity('bob@mail.example.com@example.com')).toThrow(expect.objectContaining({ code: 'Malformed' }));
    expect(() => parseCardIdentity('Alice@x')).not.toThrow(); // handle case is the site's business
    expect(() => parseCardIdentity('alice@X')).toThrow(expect.objectContaining({ code: 'Malformed' }));
    expect(() => parseCardIdentity('@x')).toThrow();
    expect(() => parseCardIdentity('alice@')).toThrow();
  });

  it('always yields ASCII that round-trips (property)', () => {
    const handle = fc.stringMatching(/^[A-Za-z0-9_\-[\]\\^{}|`]{1,30}$/);
    const ns = fc.stringMatching(/^[A-Za-z0-9.-]{1,40}$/);
    fc.assert(
      fc.property(handle, ns, (h, n) => {
        const id = cardIdentity(h, n, 'rfc1459');
        expect(id).toMatch(/^[\x21-\x7e]+$/);
        expect(parseCardIdentity(id).namespace).toBe(n.toLowerCase());
        expect(cardIdentity(h.toUpperCase(), n.toUpperCase(), 'rfc1459')).toBe(id);
      }),
      { numRuns: 500 },
    );
  });
});
