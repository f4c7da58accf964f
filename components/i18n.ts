/**
 * One tiny translation function for every view. The lookup is injected: entrypoints install
 * `browser.i18n.getMessage`, tests install a lookup built from public/_locales/en/messages.json.
 *
 *   setMessageLookup((key, subs) => browser.i18n.getMessage(key, subs));
 *   t('keys_onServer', 87, 100)   // "87 of 100 one-time keys are on the directory"
 *
 * Message names follow Chrome's rules ([A-Za-z0-9_]); substitutions are positional ($1..$9 via placeholders).
 */
export type MessageLookup = (key: string, substitutions: string[]) => string;

let lookup: MessageLookup = (key) => key;

export function setMessageLookup(fn: MessageLookup): void {
  lookup = fn;
}

/** The message for `key`; the key itself when the message is missing, so a gap is visible instead of blank. */
export function t(key: string, ...subs: Array<string | number>): string {
  const text = lookup(
    key,
    subs.map((s) => String(s)),
  );
  return text === '' || text === undefined ? key : text;
}

/** Chrome's messages.json format, enough to build a lookup outside the browser. */
export interface MessagesJson {
  [key: string]: { message: string; description?: string; placeholders?: Record<string, { content: string }> };
}

/** Resolves `$NAME$` placeholders and `$1..$9` as chrome.i18n.getMessage does (`$$` is a literal `$`). */
export function lookupFromMessages(messages: MessagesJson): MessageLookup {
  return (key, subs) => {
    const entry = messages[key];
    if (!entry) return '';
    const named = entry.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name: string) => {
      const ph = entry.placeholders?.[name.toLowerCase()];
      return ph ? ph.content : whole;
    });
    return named.replace(/\$(\$|[1-9])/g, (_w, d: string) => (d === '$' ? '$' : (subs[Number(d) - 1] ?? '')));
  };
}
