import { describe, expect, it } from 'vitest';
import { LIMITS, parseRequest, REQUEST_TYPES, fromWireError, toWireError } from '../../../lib/api';
import { ErrorCode, OvercryptError } from '../../../lib/errors';
import { PRIVILEGES } from '../../../lib/service';

describe('request validation', () => {
  it('every request type has a privilege entry', () => {
    for (const t of REQUEST_TYPES) expect(PRIVILEGES[t], t).toBeDefined();
  });

  it('accepts a well-formed request and returns it typed', () => {
    expect(parseRequest({ type: 'armor/found', host: 'a.example', parts: ['OC1abc'] })).toEqual({ type: 'armor/found', host: 'a.example', parts: ['OC1abc'] });
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
    expect(code({ type: 'armor/found', host: 'h', parts: Array(LIMITS.armorParts + 1).fill('p') })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'armor/found', host: 'h', parts: Array(20).fill('p'.repeat(15_000)) })).toBe(ErrorCode.Malformed);
    expect(code({ type: 'armor/found', host: 'h', parts: [] })).toBe(ErrorCode.Malformed);
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
