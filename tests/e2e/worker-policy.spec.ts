/**
 * Enterprise policy on the built extension: a managed policy for this browser (fixture setPolicy / launch option,
 * written under the browser's own /etc/chromium/policies/managed/) sets the directory URL and locks a site on; the
 * worker applies it, refuses to turn the site off, the popup shows it locked, and a live change applies.
 */
import { expect, test } from '../fixture';
import { extensionApi, startTestSite, type TestSite } from '../fixture/register';
import { startDirectory, type Directory } from '../harness/directory';

let directories: Directory[] = [];
let site: TestSite;

test.beforeEach(async () => {
  directories = await Promise.all([startDirectory(), startDirectory()]);
  site = await startTestSite();
});

test.afterEach(async () => {
  await site?.close();
  for (const d of directories) await d.stop();
});

test('managed policy sets the directory and locks a site on; the popup shows it locked; changes apply live', async ({ launchBrowser }) => {
  test.setTimeout(240_000);
  const [first, second] = directories as [Directory, Directory];
  const carol = await launchBrowser('carol', { policy: { directoryUrl: first.url, sitesEnabled: [{ host: site.host, locked: true }] } });
  const api = await extensionApi(carol);
  // Chrome's first managed read can take seconds after start: the worker applies it when it arrives.
  await expect.poll(async () => (await api.ok({ type: 'status/get' })).directory.url, { timeout: 30_000 }).toBe(first.url);

  // Registration goes to the policy's directory without the user naming one.
  await api.ok({ type: 'account/register', identity: 'carol@net', password: 'carol account password', passphrase: 'carol local passphrase' });
  const settings = await api.ok({ type: 'settings/get' });
  expect(settings.locked).toEqual(expect.arrayContaining(['directoryUrl', `sites.${site.host}`]));
  expect(await api.ok({ type: 'sites/list' })).toContainEqual(expect.objectContaining({ host: site.host, enabled: true, locked: true }));
  // The user cannot turn the locked site off (the toggle is refused or ignored; either way it stays on).
  await api.call({ type: 'sites/toggle', host: site.host, enabled: false });
  expect(await api.ok({ type: 'sites/list' })).toContainEqual(expect.objectContaining({ host: site.host, enabled: true, locked: true }));
  // Nor can settings point at another directory.
  await api.call({ type: 'settings/set', patch: { directoryUrl: second.url } });
  expect((await api.ok({ type: 'status/get' })).directory.url).toBe(first.url);
  await api.page.close();

  // The popup shows the site on and locked.
  const popup = await carol.openPopup();
  await popup.setViewportSize({ width: 400, height: 600 });
  await popup.getByRole('tab', { name: 'Sites' }).click();
  const toggle = popup.getByLabel(site.host, { exact: true });
  await expect(toggle).toBeChecked();
  await expect(toggle).toBeDisabled();
  await popup.close();

  // A live policy change: another directory; the worker follows without a restart.
  await carol.setPolicy({ directoryUrl: second.url, sitesEnabled: [{ host: site.host, locked: true }] });
  const api2 = await extensionApi(carol);
  await expect.poll(async () => (await api2.ok({ type: 'status/get' })).directory.url, { timeout: 60_000 }).toBe(second.url);
  // And after a worker restart it is still the policy's.
  await carol.restartServiceWorker();
  expect((await api2.ok({ type: 'status/get' })).directory.url).toBe(second.url);
});
