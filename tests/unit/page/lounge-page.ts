/** A small page shaped like The Lounge 4.5 (the markup the adapter reads), for content-script tests. */
export function loungeHtml(messages: { from: string; html: string; self?: boolean }[], channel = '#overcrypt'): string {
  const msgs = messages
    .map((m, i) => `<div id="msg-${i + 1}" class="msg${m.self ? ' self' : ''}" data-type="message" data-from="${m.from}">` +
      `<span class="time" aria-label="Tue, 25 Nov 2026, 08:00:0${i % 10}">08:00</span>` +
      `<span class="from"><span class="user">${m.from}</span></span><span class="content">${m.html}</span></div>`)
    .join('');
  return `<head><meta name="application-name" content="The Lounge"></head><body>
  <aside><div class="network"><div class="channel-list-item" data-type="lobby" data-name="OvercryptNet"></div>
    <div class="channel-list-item active" data-type="channel" data-name="${channel}"></div></div></aside>
  <div id="chat"><div class="chat-view" data-type="channel" aria-label="${channel}">
    <div class="messages">${msgs}</div>
    <div class="userlist"><span class="user" data-name="alice"></span><span class="user" data-name="bob"></span></div>
  </div></div>
  <form id="form"><span id="nick">bob</span><textarea id="input"></textarea><button id="submit" type="submit">send</button></form>
  </body>`;
}

/** Loads the page into the global happy-dom document. */
export function loadLounge(messages: { from: string; html: string; self?: boolean }[]): void {
  document.documentElement.innerHTML = loungeHtml(messages);
}
