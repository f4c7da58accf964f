export default defineBackground(() => {
  // Wired in the background service worker issue.
});
