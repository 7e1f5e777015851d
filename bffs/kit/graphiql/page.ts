import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * The per-request part of GraphiQL: a few kilobytes of HTML holding the development-token note,
 * the options GraphiQL starts with (the token among them), and links to the static assets
 * (graphiql-assets.ts). It holds a bearer token, so it is served `Cache-Control: no-store`.
 */

/** How the development token for this page was (or was not) obtained. */
export type DevTokenOutcome =
  | { kind: 'minted'; sub: string; identityUrl: string; token: string; expiresAt: Date }
  /**
   * A cookie client (web): no token in the page, which sends `X-CSRF: 1`. `development`: the page
   * made a development session for `sub` (graphiql-session.ts); without it, the browser's own
   * session, or none (`?as=none`), and the provider's sign-in page.
   */
  | { kind: 'session'; identityUrl: string; development?: { sub: string; expiresAt: Date } }
  | { kind: 'refused'; sub: string; identityUrl: string; status: number; code: string; message: string }
  | { kind: 'unreachable'; sub: string; identityUrl: string; reason: string };

/**
 * What `YogaGraphiQL.renderYogaGraphiQL` is given. `query` (the initial query) is read by yoga's
 * GraphiQL (`options.query ?? ?query=`) but missing from its `GraphiQLOptions` type.
 */
export type PageOptions = GraphiQLOptions & { query?: string };

export interface PageAssets {
  js: string;
  css: string;
  favicon: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON inside a <script>: no `</script>`, no `<!--`, no line separators that end a JS string. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

/** `2026-11-21 13:05 UTC` */
const utcMinute = (date: Date) => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** `in 60 min`, `in less than a minute`, `2 min ago` */
export function relativeMinutes(expiresAt: Date, nowMs: number): string {
  const minutes = Math.round((expiresAt.getTime() - nowMs) / 60_000);
  if (expiresAt.getTime() <= nowMs) return `${Math.max(1, -minutes)} min ago`;
  return minutes < 1 ? 'in less than a minute' : `in ${minutes} min`;
}

/** The note's inner HTML: where the token came from, for whom, until when, and what to do. */
export function noteHtml(outcome: DevTokenOutcome, nowMs: number): string {
  const mint = `identity's development ${code('POST /dev/token')} at ${escapeHtml(outcome.identityUrl)}`;
  switch (outcome.kind) {
    case 'minted': {
      const expired = outcome.expiresAt.getTime() <= nowMs;
      return (
        `<strong>Development token</strong> for ${code(outcome.sub)}, minted by ${mint}; ` +
        `<span class="expiry${expired ? ' expired' : ''}">${expired ? 'expired' : 'expires'} ` +
        `<time datetime="${outcome.expiresAt.toISOString()}">${utcMinute(outcome.expiresAt)}</time> ` +
        `(<span data-expires="${outcome.expiresAt.getTime()}">${relativeMinutes(outcome.expiresAt, nowMs)}</span>)</span>. ` +
        `On ${code('TOKEN_EXPIRED')}, reload for a fresh token; ${code('?as=u_42')} to be someone else.`
      );
    }
    case 'session':
      if (outcome.development) {
        const { sub, expiresAt } = outcome.development;
        return (
          `<strong>Signed in as ${code(sub)}</strong> with a session cookie, as the web app is: a development session from ${mint}; ` +
          `ends <time datetime="${expiresAt.toISOString()}">${utcMinute(expiresAt)}</time> (${relativeMinutes(expiresAt, nowMs)}). ` +
          `Requests carry the cookie and ${code('X-CSRF: 1')}, no token; on ${code('SESSION_EXPIRED')}, reload. ${code('?as=u_42')} to be someone else, ${code('?as=none')} to sign in on the provider's page.`
        );
      }
      return (
        `<strong>Signed in with a session cookie</strong>, as on the web app: no token in this page. ` +
        `<span id="concierge-who">Checking the session…</span> ` +
        `<a id="concierge-sign-in" href="/auth/login?returnTo=%2Fgraphql">Sign in</a> ` +
        `<button id="concierge-sign-out" type="button" hidden>Sign out</button> ` +
        `(the provider's own page at ${escapeHtml(outcome.identityUrl)}; users ${code('u_1')}…${code('u_1000')}, password ${code('dev-password')}). ` +
        `Requests carry the cookie and ${code('X-CSRF: 1')}; on ${code('SESSION_EXPIRED')}, sign in again.`
      );
    case 'refused':
      if (outcome.code === 'USER_NOT_FOUND') {
        // identity's message names the user and the users that exist ("user u_99999 does not exist: users are u_1…u_1000").
        return (
          `<strong>No token:</strong> ${escapeHtml(outcome.message)} (${mint}: ${outcome.status} ${code(outcome.code)}). ` +
          `No Authorization header is set; open ${code('?as=u_1')} or another user.`
        );
      }
      return (
        `<strong>No token:</strong> ${mint} refused ${code(outcome.sub)}: ${outcome.status} ${code(outcome.code)}, ` +
        `${escapeHtml(outcome.message)}. No Authorization header is set; ${code('?as=u_42')} to be someone else.`
      );
    case 'unreachable':
      return (
        `<strong>No token:</strong> ${mint} did not answer (${escapeHtml(outcome.reason)}). No Authorization header ` +
        `is set; start the mocks (${code('npm start')}) and reload.`
      );
  }
}

/** Asks /auth/session who is signed in (the page itself may have been loaded without the Strict cookie), and signs out. */
const SESSION_NOTE = `(function () {
  var who = document.getElementById('concierge-who');
  var signIn = document.getElementById('concierge-sign-in');
  var signOut = document.getElementById('concierge-sign-out');
  fetch('/auth/session', { headers: { 'X-CSRF': '1' }, credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (s) {
    if (!s.signedIn) { who.textContent = 'Not signed in.'; return; }
    who.textContent = 'Signed in as ' + s.user.name + ' (' + s.user.id + ') until ' + s.expiresAt.slice(0, 16).replace('T', ' ') + ' UTC.';
    signIn.hidden = true;
    signOut.hidden = false;
  }, function () { who.textContent = 'The session could not be read.'; });
  signOut.addEventListener('click', function () {
    fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF': '1' }, credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (out) {
      if (out.endSessionUrl) window.location.href = out.endSessionUrl; else window.location.reload();
    });
  });
})();`;

/** Keeps "in N min" true while the page stays open, and says when the token has expired. */
const COUNTDOWN = `(function () {
  var el = document.querySelector('[data-expires]');
  if (!el) return;
  var at = Number(el.getAttribute('data-expires'));
  function tick() {
    var minutes = Math.round((at - Date.now()) / 60000);
    if (at <= Date.now()) {
      el.textContent = Math.max(1, -minutes) + ' min ago: reload this page for a fresh token';
      el.parentNode.className = 'expiry expired';
      el.parentNode.firstChild.textContent = 'expired ';
      return;
    }
    el.textContent = minutes < 1 ? 'in less than a minute' : 'in ' + minutes + ' min';
    setTimeout(tick, 15000);
  }
  tick();
})();`;

/**
 * The note is one line above GraphiQL, in the page's flow: the body is a column, the note takes
 * its height, and GraphiQL (whose own CSS asks for 100vh) fills the rest, so nothing scrolls or
 * overlaps. It wraps on a narrow window rather than hide its end.
 */
const STYLE = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; overflow: hidden; }
#concierge-note { flex: none; margin: 0; padding: 3px 12px; font: 12px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif;
  color: #3b4252; background: #f3f6fb; border-bottom: 1px solid #d8dee9; }
#concierge-note.problem { color: #5c1d10; background: #fff3ef; border-bottom-color: #f0c4b8; }
#concierge-note code { font: 11px/1 ui-monospace, SFMono-Regular, Menlo, monospace; padding: 1px 3px; border-radius: 3px; background: rgba(0, 0, 0, 0.06); }
#concierge-note .expired { color: #b3261e; font-weight: 600; }
#concierge-note select { font: inherit; padding: 0 2px; }
body.graphiql-dark #concierge-note { color: #d8dee9; background: #1f2430; border-bottom-color: #2e3440; }
body.graphiql-dark #concierge-note.problem { color: #ffd7cc; background: #3a1f1a; }
body.graphiql-dark #concierge-note code { background: rgba(255, 255, 255, 0.08); }
#root { flex: 1 1 auto; min-height: 0; }
#root > .graphiql-container { height: 100%; width: 100%; }`;

/** The app version GraphiQL speaks as: the client's supported releases, one of them chosen. */
export interface PageVersions {
  client: string;
  /** Oldest first. */
  versions: readonly string[];
  chosen: string;
  /** `/graphql`: the requests that carry the version. */
  endpoint: string;
}

/** `Speaking as mobile app [1.1.0 ▾]`: the header every request to the endpoint carries. */
export function versionHtml({ client, versions, chosen }: PageVersions): string {
  const options = [...versions]
    .reverse()
    .map((version, i) => `<option value="${escapeHtml(version)}"${version === chosen ? ' selected' : ''}>${escapeHtml(version)}${i === 0 ? ' (newest)' : ''}</option>`)
    .join('');
  return (
    `<label>Speaking as ${escapeHtml(client)} app <select id="concierge-version" title="Sent as x-client-version on every request">${options}</select></label> ` +
    `(${code('x-client-version')} on every request). `
  );
}

/**
 * Sets `x-client-version` to the chosen version on every request GraphiQL sends to the endpoint
 * (queries, introspection, streams), and keeps the choice in the URL (`?version=`) for reloads.
 * It runs before GraphiQL's bundle, so that whatever `fetch` the bundle keeps is this one.
 */
const versionScript = (endpoint: string) => `(function () {
  var select = document.getElementById('concierge-version');
  if (!select) return;
  var endpoint = ${scriptJson(endpoint)};
  var original = window.fetch.bind(window);
  window.fetch = function (input, init) {
    var request = input instanceof Request ? input : undefined;
    var url = new URL(request ? request.url : String(input), window.location.href);
    if (url.origin === window.location.origin && url.pathname === endpoint) {
      var headers = new Headers((init && init.headers) || (request && request.headers) || undefined);
      headers.set('x-client-version', select.value);
      init = Object.assign({}, init, { headers: headers });
    }
    return original(input, init);
  };
  select.addEventListener('change', function () {
    var url = new URL(window.location.href);
    url.searchParams.set('version', select.value);
    window.history.replaceState(window.history.state, '', url);
  });
})();`;

export function renderGraphiQLPage({ title, outcome, options, assets, nowMs, versions }: { title: string; outcome: DevTokenOutcome; options: PageOptions; assets: PageAssets; nowMs: number; versions?: PageVersions }): string {
  const problem = outcome.kind !== 'minted' && outcome.kind !== 'session';
  const sessionScript = outcome.kind === 'session' && !outcome.development ? SESSION_NOTE : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(title)}</title>
    <link rel="icon" href="${assets.favicon}" />
    <link rel="stylesheet" href="${assets.css}" />
    <style>
${STYLE}
    </style>
  </head>
  <body id="body" class="no-focus-outline">
    <p id="concierge-note" class="${problem ? 'problem' : 'token'}" role="status" data-outcome="${outcome.kind}"${outcome.kind === 'session' && outcome.development ? ' data-session="development"' : ''}>${versions ? versionHtml(versions) : ''}${noteHtml(outcome, nowMs)}</p>
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
${versions ? versionScript(versions.endpoint) : ''}
    </script>
    <script src="${assets.js}"></script>
    <script>
${outcome.kind === 'minted' ? COUNTDOWN : sessionScript}
      YogaGraphiQL.renderYogaGraphiQL(window.document.querySelector('#root'), ${scriptJson(options)});
    </script>
  </body>
</html>
`;
}
