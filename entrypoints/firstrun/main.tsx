import { render } from 'preact';
import { FirstRunPage } from '../../components/firstrun/FirstRun';
import { setupExtensionPage } from '../popup/browser-env';
import '../../components/styles.css';

const { api, env } = setupExtensionPage();
render(<FirstRunPage api={api} env={env} />, document.getElementById('app')!);
