/**
 * A browser for the identity provider's pages, driven with fetch: a cookie jar (with paths, as
 * the provider scopes its interaction cookies to one sign-in's paths), redirects followed by hand
 * so a test sees each hop, and the `<form>`s of a page read back into action + fields.
 */

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class CookieJar {
  private cookies = new Map<string, Cookie>();

  store(url: string, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = new URL(url).pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path') path = val;
        if (lower === 'max-age' && Number(val) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter(({ path }) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  text: string;
  /** The Location of a redirect, absolute. */
  location?: string;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

export class Browser {
  readonly jar = new CookieJar();

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const headers: Record<string, string> = { cookie: this.jar.header(url) };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.jar.store(url, res.headers);
    const text = await res.text();
    const location = res.headers.get('location');
    return { url, status: res.status, headers: res.headers, text, ...(location ? { location: new URL(location, url).href } : {}) };
  }

  /**
   * Follows redirects from `page` until one is not a redirect, or until a redirect leaves for
   * `stopAt` (a client's redirect URI, which no server here answers): that redirect is returned.
   */
  async follow(page: Page, stopAt?: string): Promise<Page> {
    let current = page;
    for (let hops = 0; current.location; hops++) {
      if (hops > 20) throw new Error(`too many redirects from ${page.url}`);
      if (stopAt && current.location.startsWith(stopAt)) return current;
      current = await this.request(current.location);
    }
    return current;
  }

  async get(url: string, stopAt?: string): Promise<Page> {
    return this.follow(await this.request(url), stopAt);
  }

  /** Submits a form of `page` (the one with `id`, or the first) with `values` over its fields. */
  async submit(page: Page, values: Record<string, string> = {}, { id, stopAt }: { id?: string; stopAt?: string } = {}): Promise<Page> {
    const form = formOf(page, id);
    return this.follow(await this.request(form.action, { method: form.method, form: { ...form.fields, ...values } }), stopAt);
  }
}

const decode = (value: string) =>
  value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const attribute = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? decode(m[1]!) : undefined;
};

/** The form with `id` (or the first) of a page: its action (absolute), method and hidden or prefilled fields. */
export function formOf(page: Page, id?: string): Form {
  const forms = [...page.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)];
  const match = id ? forms.find(([, attrs]) => attribute(attrs!, 'id') === id) : forms[0];
  if (!match) throw new Error(`no form${id ? ` #${id}` : ''} on ${page.url} (${page.status}): ${page.text.slice(0, 500)}`);
  const [, attrs = '', inner = ''] = match;
  const fields: Record<string, string> = {};
  for (const [tag] of inner.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(tag, 'name');
    if (name) fields[name] = attribute(tag, 'value') ?? '';
  }
  return {
    action: new URL(attribute(attrs, 'action') ?? page.url, page.url).href,
    method: (attribute(attrs, 'method') ?? 'GET').toUpperCase(),
    fields,
  };
}
