/** happy-dom pages for site-adapter tests: a window at a URL, with markup and no script execution. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Window } from 'happy-dom';

export const FIXTURES = path.join(import.meta.dirname, 'fixtures');

export interface TestPage {
  window: Window;
  document: Document;
  close(): Promise<void>;
}

export function pageFromHtml(html: string, url = 'http://127.0.0.1:9000/'): TestPage {
  const window = new Window({
    url,
    settings: { disableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true, disableCSSFileLoading: true },
  });
  window.document.write(html);
  return { window, document: window.document as unknown as Document, close: () => window.happyDOM.close() };
}

export function pageFromFixture(name: string, url?: string): TestPage {
  return pageFromHtml(readFileSync(path.join(FIXTURES, name), 'utf8'), url);
}

export function readFixtureJson<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
}
