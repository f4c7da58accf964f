/**
 * The Lounge 4.5 (web IRC client, self-hosted on any host: detected by its markup).
 * Measured on the real app (tests/unit/sites/fixtures/, captured by tests/harness/capture-thelounge-dom.ts):
 * - compose `#form textarea#input`; Vue's v-model only sees an `input` event (the default insert strategy
 *   dispatches one); Enter is a `keypress.enter` handler; `#submit` is the send button.
 * - a message is `.msg[data-type="message"][data-from=<nick>]`, its text `span.content`, whose textContent
 *   equals what was sent though nicks, channels, URLs and emoji become elements; own messages have `.self`.
 * - only the open conversation is rendered: `.chat-view[data-type=channel|query][aria-label=<name>]`.
 * - the network name is the `data-name` of the lobby item in the sidebar network holding the active item.
 * - the IRC library splits at 350 bytes of UTF-8 (at a space if any, losing it); each line of a multi-line
 *   message is its own message; a leading "/" is a command.
 */
import { defineAdapterSpec } from '../spec';

export const THE_LOUNGE = defineAdapterSpec({
  id: 'thelounge',
  name: 'The Lounge',
  match: { detect: 'meta[name="application-name"][content="The Lounge"]' },
  compose: { input: '#form textarea#input', sendButton: '#form #submit', preferKey: true, sendKey: 'Enter' },
  messages: {
    item: '.msg[data-type="message"]',
    text: '.content',
    sender: { attribute: 'data-from' },
    time: { selector: '.time', attribute: 'aria-label' },
    pageId: { attribute: 'id' },
    self: '.self',
  },
  conversation: {
    container: '#chat .chat-view',
    id: { attribute: 'aria-label' },
    kind: { source: { attribute: 'data-type' }, values: { channel: 'group', query: 'direct' } },
    participants: { selector: '.userlist .user[data-name]', attribute: 'data-name' },
  },
  ownHandle: { selector: '#form #nick' },
  namespace: {
    source: { selector: '.channel-list-item.active', closest: '.network', find: '.channel-list-item[data-type="lobby"]', attribute: 'data-name' },
  },
  handleCase: 'rfc1459',
  limits: { maxMessageLength: 350, unit: 'utf8-bytes', splitsLines: true, forbiddenPrefixes: ['/'] },
});
