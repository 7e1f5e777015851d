import type http from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { RawHandler, RouteDefinition } from '../../http/router.ts';
import { checkLogin } from './accounts.ts';
import { FIRST_PARTY_CLIENTS } from './clients.ts';
import * as pages from './pages.ts';
import type { ProviderSource } from './provider-routes.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** Login forms are a few fields: anything longer is not one of ours. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Identity's own login and consent pages, where oidc-provider sends the browser when an
 * authorization (or a device confirmation) needs the user: `GET /interaction/{uid}` shows the
 * step the provider asks for, the forms post back here, and `interactionFinished` returns the
 * browser to the provider with a 303.
 *
 * Consent: the registered clients are all first-party, so their consent step is granted without
 * a page (the user signed in to use that very app). A client that is not first-party would get
 * the consent form; `POST …/consent` grants (or denies) the same way in either case.
 */
export function interactionRoutes(source: ProviderSource, { production }: { production: boolean }): RouteDefinition[] {
  const show: RawHandler = async (req, res, { params }) => {
    const { provider } = await source();
    const interaction = await loadInteraction(provider, req, res, params.uid!);
    if (!interaction) return;
    const clientId = String(interaction.params.client_id);
    const clientName = await clientNameOf(provider, clientId);
    if (interaction.prompt.name === 'login') {
      const hint = interaction.params.login_hint;
      return sendHtml(res, 200, pages.loginPage({ uid: interaction.uid, clientName, username: typeof hint === 'string' ? hint : '' }));
    }
    if (interaction.prompt.name === 'consent') {
      if (FIRST_PARTY_CLIENTS.has(clientId)) return provider.interactionFinished(req, res, await grantConsent(provider, interaction));
      return sendHtml(res, 200, pages.consentPage({ uid: interaction.uid, clientName, scopes: String(interaction.params.scope ?? '').split(' ').filter(Boolean) }));
    }
    sendHtml(res, 400, pages.errorPage('Unexpected step', { error: 'invalid_request', error_description: `unknown prompt ${interaction.prompt.name}` }));
  };

  const login: RawHandler = async (req, res, { params }) => {
    const { provider } = await source();
    const form = await readForm(req);
    const interaction = await loadInteraction(provider, req, res, params.uid!, 'login');
    if (!interaction) return;
    const username = form?.get('username') ?? '';
    const outcome = form ? checkLogin(username, form.get('password') ?? '', { production }) : { ok: false as const, message: 'Send the form as application/x-www-form-urlencoded.' };
    if (!outcome.ok) {
      const clientName = await clientNameOf(provider, String(interaction.params.client_id));
      return sendHtml(res, 400, pages.loginPage({ uid: interaction.uid, clientName, username, error: outcome.message }));
    }
    await provider.interactionFinished(req, res, { login: { accountId: outcome.accountId } }, { mergeWithLastSubmission: false });
  };

  const consent: RawHandler = async (req, res, { params }) => {
    const { provider } = await source();
    const form = await readForm(req);
    const interaction = await loadInteraction(provider, req, res, params.uid!, 'consent');
    if (!interaction) return;
    const result: InteractionResults = form?.get('decision') === 'deny'
      ? { error: 'access_denied', error_description: 'the user denied the request' }
      : await grantConsent(provider, interaction);
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
  };

  return [
    { method: 'GET', path: '/interaction/{uid}', public: true, raw: show },
    { method: 'POST', path: '/interaction/{uid}/login', public: true, raw: login },
    { method: 'POST', path: '/interaction/{uid}/consent', public: true, raw: consent },
  ];
}

/**
 * The interaction the browser's cookie names, or undefined once an error page was sent: no
 * cookie or an expired one (the provider's 4xx errors), a cookie for another interaction than
 * the path's, or a form posted for a step the provider is not asking for.
 */
async function loadInteraction(provider: Provider, req: http.IncomingMessage, res: http.ServerResponse, uid: string, step?: string): Promise<Interaction | undefined> {
  let interaction: Interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (typeof status !== 'number' || status >= 500) throw error;
    const { error: code, error_description: description } = error as { error?: string; error_description?: string };
    sendHtml(res, 400, pages.errorPage('Sign-in expired', { error: code, error_description: `${description ?? 'unknown interaction'}: start again from the application` }));
    return undefined;
  }
  if (interaction.uid !== uid) {
    sendHtml(res, 400, pages.errorPage('Sign-in mismatch', { error: 'invalid_request', error_description: 'this page belongs to another sign-in: start again from the application' }));
    return undefined;
  }
  if (step && interaction.prompt.name !== step) {
    sendHtml(res, 400, pages.errorPage('Unexpected step', { error: 'invalid_request', error_description: `this sign-in is at the ${interaction.prompt.name} step, not ${step}` }));
    return undefined;
  }
  return interaction;
}

/** Grants what the consent prompt found missing (OpenID scopes and claims, the API's scopes) to the user's grant for the client. */
async function grantConsent(provider: Provider, interaction: Interaction): Promise<InteractionResults> {
  const details = interaction.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId: interaction.session!.accountId, clientId: String(interaction.params.client_id) });
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const grantId = await grant.save();
  return { consent: existing ? {} : { grantId } };
}

async function clientNameOf(provider: Provider, clientId: string): Promise<string> {
  const client = await provider.Client.find(clientId).catch(() => undefined);
  return client?.clientName ?? clientId;
}

/** The posted form, or undefined when it is not a form (wrong type or too large); the body is drained either way. */
async function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_FORM_BYTES) chunks.push(chunk);
  }
  const type = req.headers['content-type'] ?? '';
  if (size > MAX_FORM_BYTES || !type.startsWith('application/x-www-form-urlencoded')) return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    // Pages with a form token in them are never cached.
    'cache-control': 'no-store',
  });
  res.end(html);
}
