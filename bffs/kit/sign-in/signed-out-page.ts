/** Where the provider sends the browser back after a sign-out (the registered post-logout redirect URI). */
export const SIGNED_OUT_PATH = '/auth/signed-out';

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signed out</title>
<h1>You are signed out</h1>
<p><a href="/auth/login">Sign in again</a></p>
</html>
`;

/**
 * The page a browser lands on after signing out: this BFF answers it (a web app's own page may
 * be on another origin, or absent, as `/` is here). Fixed text: nothing of the request is in it,
 * and its CSP lets it run and load nothing.
 */
export function signedOutPage(Response: typeof globalThis.Response): Response {
  return new Response(PAGE, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
    },
  });
}
