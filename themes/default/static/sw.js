// Agora's service worker: the last home page viewed, for when the network is gone.
//
// - A home page (GET /) that arrives is kept, once streamed, as the one "last page" (older
//   ones are replaced); it is shown, with a banner saying it is offline and from when, only
//   if the network fails, and for 8 hours at most.
// - Signing out (POST /logout) deletes it: on a shared computer the next person never sees
//   it; so does any guest page that arrives (the session is over), which is never kept.
// - Stylesheets and images are fetched from the network first, the last copy kept for
//   offline use. Nothing else is touched.
const PAGES = "agora-last-page-v1";
const ASSETS = "agora-assets-v1";
const LAST = "/__agora_last_page";
const KEEP_MS = 8 * 3600 * 1000;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === "/logout") {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (req.method !== "GET") return;
  if (req.mode === "navigate") {
    event.respondWith(page(event, req, url));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/skin.css") {
    event.respondWith(asset(req));
  }
});

async function page(event, req, url) {
  try {
    const res = await fetch(req);
    const html = (res.headers.get("content-type") || "").startsWith("text/html");
    if (url.pathname === "/" && res.ok && html) {
      // Kept once the whole page has streamed; the browser gets it as it streams.
      const copy = res.clone();
      event.waitUntil(
        copy.text().then(async (text) => {
          // A page without the sign-out form is a guest's: whoever was signed in is no
          // longer (signed out, session over), so their page is forgotten.
          if (!text.includes('action="/logout"')) return caches.delete(PAGES);
          const cache = await caches.open(PAGES);
          await cache.put(LAST, new Response(text, {
            headers: { "content-type": "text/html; charset=utf-8", "x-agora-saved": String(Date.now()) },
          }));
        }),
      );
    }
    return res;
  } catch (err) {
    return offline();
  }
}

async function offline() {
  const cache = await caches.open(PAGES);
  const last = await cache.match(LAST);
  const saved = last ? Number(last.headers.get("x-agora-saved")) : 0;
  if (!last || Date.now() - saved > KEEP_MS) {
    if (last) await caches.delete(PAGES);
    return nothingKept();
  }
  const text = await last.text();
  const en = /<html lang="en"/.test(text);
  const when = new Date(saved).toLocaleString(en ? "en-GB" : "fr-FR", {
    weekday: "long", hour: "2-digit", minute: "2-digit",
  });
  const banner = en
    ? `Offline: this is the last page you viewed (${when}). It will update when the network is back.`
    : `Hors connexion : voici la dernière page consultée (${when}). Elle se mettra à jour au retour du réseau.`;
  const marked = text.replace("<body>", `<body><p class="offline-banner" role="status">${banner}</p>`);
  return new Response(marked, { headers: { "content-type": "text/html; charset=utf-8" } });
}

function nothingKept() {
  const body = `<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/theme.css"><title>Hors connexion · Offline</title></head>
<body><main id="main" class="page narrow"><h1>Hors connexion</h1>
<p>Le portail ne répond pas : vérifiez votre connexion au réseau, puis rechargez la page.</p>
<p lang="en">Offline: the portal does not answer. Check your network, then reload the page.</p>
</main></body></html>`;
  return new Response(body, { status: 503, headers: { "content-type": "text/html; charset=utf-8" } });
}

async function asset(req) {
  const cache = await caches.open(ASSETS);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(req, res.clone());
    return res;
  } catch (err) {
    return (await cache.match(req)) || Response.error();
  }
}
