import { render } from 'preact';
import { App } from '../../components/popup/App';
import { setupExtensionPage } from './browser-env';
import '../../components/styles.css';

const { api, env } = setupExtensionPage();
render(<App api={api} env={env} layout="popup" />, document.getElementById('app')!);
