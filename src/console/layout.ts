import { CONSOLE_ASSETS } from './console-assets';
import { html, type Html } from './html';
import type { ConsoleUser } from './console-sessions.service';

export const CONSOLE_PATH = '/console';

export type Section = 'orders' | 'deliveries' | 'targets' | 'mappings' | 'sandbox' | 'none';

export interface PageContext {
  user: ConsoleUser | null;
  sandbox: boolean;
}

const SECTIONS: { id: Section; href: string; title: string; sandboxOnly?: boolean }[] = [
  { id: 'orders', href: `${CONSOLE_PATH}/orders`, title: 'Orders' },
  { id: 'deliveries', href: `${CONSOLE_PATH}/deliveries`, title: 'Deliveries' },
  { id: 'targets', href: `${CONSOLE_PATH}/targets`, title: 'Targets' },
  { id: 'mappings', href: `${CONSOLE_PATH}/mappings`, title: 'Status mappings' },
  { id: 'sandbox', href: `${CONSOLE_PATH}/sandbox`, title: 'Sandbox', sandboxOnly: true },
];

/** The hidden field every change carries (see ConsoleSessionGuard). */
export function csrfField(user: ConsoleUser | null): Html {
  return html`<input type="hidden" name="_csrf" value="${user?.csrfToken ?? ''}">`;
}

/** A whole page: header with the navigation, who is signed in, the theme button and sign-out; then `body`. */
export function page(context: PageContext, section: Section, title: string, body: Html): string {
  const { user } = context;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · order-sync console</title>
<link rel="stylesheet" href="${CONSOLE_PATH}/assets/${CONSOLE_ASSETS.css.name}">
<script src="${CONSOLE_PATH}/assets/${CONSOLE_ASSETS.js.name}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${CONSOLE_PATH}/orders">order-sync console</a>
  ${
    user &&
    html`<nav aria-label="Console">
    <ul>
      ${SECTIONS.filter((s) => !s.sandboxOnly || context.sandbox).map(
        (s) => html`<li><a href="${s.href}"${s.id === section ? html` aria-current="page"` : ''}>${s.title}</a></li>`,
      )}
    </ul>
  </nav>`
  }
  <div class="who">
    ${user && html`<span class="muted">Signed in as <strong>${user.actor}</strong></span>`}
    <button type="button" id="theme">Theme: system</button>
    ${user && html`<form method="post" action="${CONSOLE_PATH}/sign-out">${csrfField(user)}<button type="submit">Sign out</button></form>`}
  </div>
</header>
<main id="main" tabindex="-1">
${body}
</main>
</body>
</html>`.text;
}

/** A badge for a state or outcome, coloured by what it means for the person reading. */
export function badge(text: string, tone?: 'ok' | 'warn' | 'bad' | 'status' | 'info'): Html {
  return html`<span class="badge${tone && tone !== 'info' ? ` ${tone}` : ''}">${text}</span>`;
}

const TONES: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = {
  applied: 'ok',
  sent: 'ok',
  unchanged: 'info',
  info: 'info',
  stale: 'warn',
  repeat: 'warn',
  pending: 'info',
  in_flight: 'info',
  retrying: 'warn',
  superseded: 'info',
  unmapped: 'warn',
  rejected: 'bad',
  refused: 'bad',
  dead: 'bad',
  paused: 'bad',
};

export function toneOf(word: string): 'ok' | 'warn' | 'bad' | 'info' {
  return TONES[word] ?? 'info';
}

/** A time as people read it in the console: UTC, to the second (the journey shows milliseconds where order matters). */
export function when(value: Date | string | null | undefined, withMs = false): string {
  if (!value) return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withMs ? 23 : 19)}`;
}

export function timeTag(value: Date | string | null | undefined, withMs = false): Html {
  if (!value) return html``;
  const date = value instanceof Date ? value : new Date(value);
  return html`<time datetime="${date.toISOString()}">${when(date, withMs)}</time>`;
}

/** Previous and next page links of a listing. */
export function pager(base: string, params: Record<string, string | number | undefined>, pageNumber: number, limit: number, total: number): Html {
  const pages = Math.max(1, Math.ceil(total / limit));
  const link = (n: number) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
    search.set('page', String(n));
    return `${base}?${search.toString()}`;
  };
  return html`<nav class="pager" aria-label="Pages">
    ${pageNumber > 1 ? html`<a href="${link(pageNumber - 1)}" rel="prev">← Newer</a>` : ''}
    <span class="muted">Page ${pageNumber} of ${pages} · ${total} in all</span>
    ${pageNumber < pages ? html`<a href="${link(pageNumber + 1)}" rel="next">Older →</a>` : ''}
  </nav>`;
}

/** A filter's choice among `options`, or "any". */
export function filterSelect(name: string, label: string, options: readonly string[], value: string | undefined): Html {
  return html`<label>${label}<select name="${name}"><option value="">any</option>${options.map((o) => html`<option${o === value ? html` selected` : ''}>${o}</option>`)}</select></label>`;
}
