import { render } from 'preact';
import { App, type ScreenKey } from '../../components/popup/App';
import { setupExtensionPage } from '../popup/browser-env';
import '../../components/styles.css';

const { api, env } = setupExtensionPage();
// options.html#contacts opens that tab directly (links from frames and notifications).
const initial = location.hash.slice(1) as ScreenKey;
const screens: ScreenKey[] = ['home', 'keys', 'devices', 'contacts', 'backup', 'sites', 'account'];
render(
  <App api={api} env={env} layout="tab" initialScreen={screens.includes(initial) ? initial : 'home'} />,
  document.getElementById('app')!,
);
