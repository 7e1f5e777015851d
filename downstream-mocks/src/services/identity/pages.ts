/**
 * The provider's HTML: login, consent, the device-flow pages, logout and errors. Plain forms
 * with no script and no external assets, so they work offline and a test can drive them with
 * fetch by reading the `<form>`s. Every interpolated value goes through `escapeHtml`; the
 * `form` strings oidc-provider hands over are its own markup and are inserted as they are.
 */

export const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f4f6;margin:0;padding:40px 16px}
main{max-width:340px;margin:0 auto;background:#fff;border-radius:8px;padding:24px;box-shadow:0 1px 3px rgba(0,0,0,.2)}
h1{font-size:1.4em;margin-top:0}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px;font-size:1em}
button{margin-top:16px;padding:8px 16px;font-size:1em;cursor:pointer}.error{color:#b00020}code{font-size:1.4em}`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>`;
}

const errorLine = (message: string | undefined) => (message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '');

export function loginPage({ uid, clientName, username = '', error }: { uid: string; clientName: string; username?: string; error?: string }): string {
  return page('Sign in to Concierge', `<p>to continue to <strong>${escapeHtml(clientName)}</strong></p>
${errorLine(error)}
<form id="login" method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label>
<input id="username" type="text" name="username" value="${escapeHtml(username)}" placeholder="u_1" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" type="password" name="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`);
}

export function consentPage({ uid, clientName, scopes }: { uid: string; clientName: string; scopes: string[] }): string {
  const items = scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  return page('Allow access?', `<p><strong>${escapeHtml(clientName)}</strong> asks for:</p><ul>${items}</ul>
<form id="consent" method="post" action="/interaction/${escapeHtml(uid)}/consent">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`);
}

export function errorPage(title: string, fields: Record<string, string | undefined>): string {
  const lines = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join('\n');
  return page(title, lines);
}

/** The device flow's first page: enter the code the TV shows. `form` is oidc-provider's, with its xsrf. */
export function deviceCodeInputPage(form: string, error?: string): string {
  return page('Connect a device', `${error ? errorLine(error) : '<p>Enter the code shown on your TV.</p>'}
${form}
<button type="submit" form="op.deviceInputForm">Continue</button>`);
}

/** Too many wrong codes from this address: when to try again, and nothing about the code. */
export function deviceCodeThrottledPage(waitSeconds: number): string {
  const wait = waitSeconds < 120 ? `${waitSeconds} seconds` : `${Math.ceil(waitSeconds / 60)} minutes`;
  return page('Too many wrong codes', `${errorLine(`Too many wrong codes were entered from your network. Wait ${wait}, then enter the code shown on your TV.`)}
<p><a href="/device">Enter the code again</a></p>`);
}

export function deviceConfirmPage(form: string, clientName: string, userCode: string): string {
  return page('Confirm the device', `<p><strong>${escapeHtml(clientName)}</strong> shows this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>
<p>Continue only if it matches the code on your screen.</p>
${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`);
}

export const deviceSuccessPage = (clientName: string) =>
  page('Device connected', `<p>${escapeHtml(clientName)} is signed in. You can close this page.</p>`);

export function logoutPage(form: string): string {
  return page('Sign out?', `<p>Sign out of Concierge on this browser?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, only this application</button>`);
}

export const logoutSuccessPage = () => page('Signed out', '<p>You have been signed out.</p>');
