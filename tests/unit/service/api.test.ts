import { describe, expect, it } from 'vitest';
import { LIMITS, parseRequest, REQUEST_TYPES, fromWireError, toWireError } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { PRIVILEGES } from '../../../lib/service';

describe('request validation', () => {
  it('every request type has a privilege entry', () => {
    for (const t of REQUEST_TYPES) expect(PRIVILEGES[t], t).toBeDefined();
  });

  it('accepts a well-formed request and returns it typed', () => {
    const found = { type: 'armor/found', host: 'a.example', items: [{ parts: ['OC1abc'], pageAuthor: 'bob', heightPx: 40 }] };
    expect(parseRequest(found)).toEqual(found);
    expect(parseRequest({ type: 'display/fetch', jobId: 'j', indices: [0, 99] })).toEqual({ type: 'display/fetch', jobId: 'j', indices: [0, 99] });
  });

  it('refuses oversize plaintext, too many or too large armor parts, and empty strings', () => {
    const code = (raw: unknown) => {
      try {
        parseRequest(raw);
        return 'ok';
      } catch (e) {
        return (e as OvercryptError).code;
      }
    };
    expect(code({ type: 'compose/submit', jobId: 'j', plaintext: 'x'.repeat(LIMITS.plaintext + 1) })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'compose/submit', jobId: 'j', plaintext: '' })).toBe(ErrorCode.Malformed);
    const found = (...items: unknown[]) => code({ type: 'armor/found', host: 'h', items });
    expect(found({ parts: Array(LIMITS.armorParts + 1).fill('p'), heightPx: 40 })).toBe(ErrorCode.Malformed);
    expect(found({ parts: Array(20).fill('p'.repeat(15_000)), heightPx: 40 })).toBe(ErrorCode.Malformed);
    expect(found({ parts: [], heightPx: 40 })).toBe(ErrorCode.Malformed);
    expect(found({ parts: ['p'], heightPx: 0 })).toBe(ErrorCode.Malformed);
    expect(found()).toBe(ErrorCode.Malformed);
    expect(found(...Array(LIMITS.regionItems + 1).fill({ parts: ['p'], heightPx: 40 }))).toBe(ErrorCode.Malformed);
    expect(found(...Array(LIMITS.regionItems).fill({ parts: ['p'], heightPx: 40 }))).toBe('ok');
    expect(found(...Array(10).fill({ parts: Array(10).fill('p'.repeat(12_000)), heightPx: 40 }))).toBe(ErrorCode.Malformed); // 1.2 MB
    expect(code({ type: 'display/fetch', jobId: 'j', indices: [] })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'display/fetch', jobId: 'j', indices: [LIMITS.regionItems] })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'display/fetch', jobId: 'j', indices: [-1] })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'settings/set', patch: { autoLockMinutes: 0 } })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'settings/set', patch: { directoryUrl: 'not a url' } })).toBe(ErrorCode.Malformed);
    expect(code(null)).toBe(ErrorCode.Malformed);
    expect(code('status/get')).toBe(ErrorCode.Malformed);
  });

  it('errors cross the boundary as {code, message}; foreign errors become a generic Internal', () => {
    expect(toWireError(new OvercryptError(ErrorCode.Locked, 'locked'))).toEqual({ code: 'Locked', message: 'locked' });
    expect(toWireError(new Error('stack with secret 1234'))).toEqual({ code: 'Internal', message: 'internal error' });
    expect(fromWireError({ code: 'Locked', message: 'm' }).code).toBe('Locked');
    expect(fromWireError({ code: 'Bogus', message: 'm' }).code).toBe('Internal');
    expect(fromWireError(undefined).code).toBe('Internal');
  });
});
