import { describe, expect, it } from 'vitest';
import type { PageStatus } from '../../../lib/api';
import { BADGE_COLORS, toolbarBadge } from '../../../lib/service/toolbar';

const base: PageStatus = {
  siteEnabled: true,
  siteLocked: false,
  mode: 'forward-secret',
  modeLocked: false,
  encryptionOn: true,
  locked: false,
  registered: true,
  recipients: { people: 2, devices: 3 },
  warnings: [],
};

describe('toolbarBadge', () => {
  it('shows the number of people and spells out people and devices', () => {
    const b = toolbarBadge(base, '#overcrypt');
    expect(b).toEqual({ text: '2', color: BADGE_COLORS.on, title: 'Overcrypt: encrypted in #overcrypt to 2 people (3 devices)' });
  });

  it('uses singular forms for one', () => {
    expect(toolbarBadge({ ...base, recipients: { people: 1, devices: 1 } }).title).toBe('Overcrypt: encrypted to 1 person (1 device)');
  });

  it('turns amber with "!" and lists every warning', () => {
    const b = toolbarBadge(
      {
        ...base,
        warnings: [
          { kind: 'noCard', handle: 'carol' },
          { kind: 'keyChanged', identity: 'bob@net' },
          { kind: 'newDevice', identity: 'dave@net', cardId: 'c1' },
        ],
      },
      '#overcrypt',
    );
    expect(b.text).toBe('!');
    expect(b.color).toBe(BADGE_COLORS.warn);
    expect(b.title.split('\n')).toEqual([
      'Overcrypt: encrypted in #overcrypt to 2 people (3 devices)',
      'carol has no Overcrypt key and cannot read',
      'bob@net: key changed, compare the safety number',
      'dave@net: new device, approve it before sending',
    ]);
  });

  it('says "off" when the conversation is not encrypted', () => {
    expect(toolbarBadge({ ...base, encryptionOn: false }, '#x')).toEqual({ text: 'off', color: BADGE_COLORS.off, title: 'Overcrypt: not encrypted in #x' });
  });

  it('shows no badge when locked, not set up, disabled on the site, or no page', () => {
    expect(toolbarBadge({ ...base, locked: true }).text).toBe('');
    expect(toolbarBadge({ ...base, registered: false }).text).toBe('');
    expect(toolbarBadge({ ...base, siteEnabled: false }).title).toBe('Overcrypt is off on this site');
    expect(toolbarBadge(null)).toEqual({ text: '', color: BADGE_COLORS.off, title: 'Overcrypt' });
  });

  it('caps the count so the badge stays readable', () => {
    expect(toolbarBadge({ ...base, recipients: { people: 5000, devices: 9000 } }).text).toBe('999');
  });

  it('says "on" when the recipient count is not known yet', () => {
    const { recipients, ...rest } = base;
    void recipients;
    expect(toolbarBadge(rest).text).toBe('on');
  });
});

describe('audienceCounts (compose frame, chip and toolbar count alike)', () => {
  const device = (cardId: string, extra: object = {}) => ({ cardId, identity: 'x', fingerprint: 'f', createdAt: 0, ...extra });
  it('counts approved devices and this browser, and the people they belong to; pending devices and keyless people apart', async () => {
    const { audienceCounts } = await import('../../../lib/api/audience');
    const counts = audienceCounts([
      { identity: 'me@n', handle: 'me', state: 'verified', devices: [device('m1', { thisDevice: true })] },
      { identity: 'bob@n', handle: 'bob', state: 'firstSeen', devices: [device('b1', { approved: true }), device('b2', { approved: false })] },
      { identity: 'dan@n', handle: 'dan', state: 'firstSeen', devices: [device('d1', { approved: false })] },
      { identity: 'eve@n', handle: 'eve', state: 'noCard', devices: [] },
    ]);
    expect(counts).toEqual({ people: 2, devices: 2, noCard: ['eve'] });
  });
});

describe('the worker keeps each tab’s toolbar badge current', () => {
  it('a tab reporting an encrypted conversation gets its count; switching encryption off and locking follow', async () => {
    const { registeredWorld, reportContext, senders, HOST, openCompose } = await import('./fakes');
    const t = await registeredWorld(); // #chan with bob (one device, not approved yet), encryption on
    expect(t.notifier.badges.get(1)).toMatchObject({ text: '!', color: BADGE_COLORS.warn });
    expect(t.notifier.badges.get(1)!.title).toContain('bob@irc: new device');
    const { jobId } = await openCompose(t);
    await t.call(senders.compose(), { type: 'compose/approve', jobId, cardIds: ['b0'.repeat(32)] });
    await t.call(senders.cs(), { type: 'page/status', host: HOST, conversationId: '#chan' });
    expect(t.notifier.badges.get(1)).toEqual({ text: '1', color: BADGE_COLORS.on, title: 'Overcrypt: encrypted in #chan to 1 person (1 device)' });
    await t.call(senders.cs(), { type: 'page/setEncryption', host: HOST, conversationId: '#chan', on: false });
    expect(t.notifier.badges.get(1)).toMatchObject({ text: 'off' });
    await t.call(senders.popup(), { type: 'vault/lock' });
    await reportContext(t);
    expect(t.notifier.badges.get(1)).toMatchObject({ text: '', title: 'Overcrypt is locked: click to unlock' });
    // Another tab's report does not touch tab 1's badge.
    await reportContext(t, 2);
    expect(t.notifier.badges.has(2)).toBe(true);
    expect(t.notifier.badges.get(1)!.title).toBe('Overcrypt is locked: click to unlock');
  });
});
