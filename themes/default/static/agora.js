// Agora's one script (self-hosted: CSP script-src 'self'). Everything works without it;
// with it the portal is installable and, when the network is gone, shows the last page
// viewed, marked as offline (the service worker, /sw.js).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}
