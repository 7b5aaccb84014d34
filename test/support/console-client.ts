/**
 * A console visitor over plain HTTP (fetch, no browser): signs in with a form as a browser does, keeps the
 * session cookie, and sends the console's forms with the page's token and the site's own Origin.
 */
export interface ConsoleVisit {
  status: number;
  location: string | null;
  setCookie: string[];
  headers: Headers;
  html: string;
}

export class ConsoleClient {
  cookie: string | undefined;
  csrf: string | undefined;

  constructor(readonly base: string) {}

  get origin(): string {
    return new URL(this.base).origin;
  }

  async request(
    path: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; cookie?: string | null } = {},
  ): Promise<ConsoleVisit> {
    const headers: Record<string, string> = { ...init.headers };
    const cookie = init.cookie === null ? undefined : (init.cookie ?? this.cookie);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(`${this.base}${path}`, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    return {
      status: response.status,
      location: response.headers.get('location'),
      setCookie: response.headers.getSetCookie(),
      headers: response.headers,
      html: await response.text(),
    };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<ConsoleVisit> {
    return this.request(path, { headers });
  }

  /** A change as the console's own page sends it: its form, the page's token, this site's Origin. */
  post(path: string, form: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<ConsoleVisit> {
    return this.request(path, { form: { _csrf: this.csrf ?? '', ...form }, headers: { origin: this.origin, ...headers } });
  }

  async signIn(key: string, name = 'Anna'): Promise<ConsoleVisit> {
    const visit = await this.request('/console/sign-in', { form: { key, name }, headers: { origin: this.origin }, cookie: null });
    const session = visit.setCookie.find((c) => c.startsWith('order_sync_console='));
    if (visit.status !== 303 || !session) throw new Error(`sign-in failed: ${visit.status} ${visit.html.slice(0, 300)}`);
    this.cookie = session.split(';')[0];
    const page = await this.get('/console/orders');
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    return visit;
  }
}

/** The text a page shows (tags dropped, entities of the escaper decoded), for assertions on what a person reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
