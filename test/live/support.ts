import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { trustedDocumentIds } from '../../bffs/web/sdk/trusted-documents.generated.ts';
import { SESSION_COOKIE } from './../support/sign-in.ts';

export type WebSubscription = 'WebMyListChanged' | 'WebProgressChanged' | 'WebNotificationsChanged';

/** A graphql-ws client as the web app's is, in node: the session cookie and the page's Origin on the handshake. */
export function socketClient(origin: string, sessionId: string, { pageOrigin = origin, lazy = true, connectionParams }: { pageOrigin?: string; lazy?: boolean; connectionParams?: Record<string, unknown> } = {}) {
  const closes: { code: number; reason: string }[] = [];
  const client = createClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    lazy,
    retryAttempts: 0,
    ...(connectionParams ? { connectionParams } : {}),
    webSocketImpl: class extends WebSocket {
      constructor(url: string, protocols: string | string[]) {
        super(url, protocols, { headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, origin: pageOrigin } });
      }
    },
    on: { closed: (event) => void closes.push({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  return { client, closes };
}

/** Subscribes by trusted document id (`query: ''`, which graphql-ws requires), collecting what comes. */
export function follow(client: Client, operation: WebSubscription, variables: Record<string, unknown> = {}) {
  const results: ExecutionResult<Record<string, any>>[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const dispose = client.subscribe(
    { query: '', variables, documentId: trustedDocumentIds[operation] } as never,
    {
      next: (result) => (results.push(result as never), wake()),
      error: (error) => (errors.push(error), wake()),
      complete: () => ((completed = true), wake()),
    },
  );
  return {
    results,
    errors,
    get completed() {
      return completed;
    },
    dispose,
    /** Waits until `test` holds of what came, or fails after `ms`. */
    async until(test: () => boolean, ms = 5_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify({ results, errors, completed })}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}
