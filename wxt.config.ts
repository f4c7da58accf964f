import { defineConfig } from 'wxt';

// Test builds carry a fixed public key so the extension id is stable, which lets
// tests write managed policy for it. Release builds never ship this key.
const TEST_BUILD = process.env.OVERCRYPT_TEST_BUILD === '1';
const TEST_MANIFEST_KEY = process.env.OVERCRYPT_TEST_MANIFEST_KEY;

export default defineConfig({
  srcDir: '.',
  entrypointsDir: 'entrypoints',
  // `wxt build` has no --outDir flag; OVERCRYPT_OUT_DIR builds elsewhere without touching .output/.
  ...(process.env.OVERCRYPT_OUT_DIR ? { outDir: process.env.OVERCRYPT_OUT_DIR } : {}),
  publicDir: 'public',
  vite: () => ({
    // Compile-time flag: test-only code in entrypoints (e.g. the test clock offset) is dropped from release bundles.
    define: { __OVERCRYPT_TEST_BUILD__: JSON.stringify(TEST_BUILD) },
    resolve: {
      // lib/ imports 'virgil-crypto'; in the bundle that must be the browser build.
      alias: [{ find: /^virgil-crypto$/, replacement: 'virgil-crypto/dist/browser.es.js' }],
    },
  }),
  manifest: {
    name: '__MSG_ext_name__',
    description: '__MSG_ext_description__',
    default_locale: 'en',
    icons: { 16: 'icon/16.png', 32: 'icon/32.png', 48: 'icon/48.png', 128: 'icon/128.png' },
    action: { default_icon: { 16: 'icon/locked-16.png', 32: 'icon/locked-32.png', 48: 'icon/locked-48.png' } },
    // scripting: the worker registers the content script on sites the user or policy enables (lib/service/site-scripts.ts).
    permissions: ['storage', 'alarms', 'unlimitedStorage', 'scripting'],
    optional_host_permissions: ['<all_urls>'],
    host_permissions: ['http://127.0.0.1/*', 'http://localhost/*'],
    content_security_policy: {
      extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'",
    },
    storage: { managed_schema: 'managed_schema.json' },
    externally_connectable: { ids: [], matches: [] },
    // Our compose/display frames, embedded by the content script in chat pages. MV3 matches are static, so they
    // cannot follow the enabled sites; they are limited to web pages (http/https), and use_dynamic_url means a page
    // only learns the per-session id when we embed a frame there. Handles, embedding checks and the worker's
    // sender checks protect the frames (docs/policy.md, "Frames on enabled sites").
    web_accessible_resources: [
      { resources: ['compose-frame.html', 'display-frame.html'], matches: ['http://*/*', 'https://*/*'], use_dynamic_url: true },
    ],
    ...(TEST_BUILD && TEST_MANIFEST_KEY ? { key: TEST_MANIFEST_KEY } : {}),
  },
});
