import { html, type Html } from '../html';
import { CONSOLE_PATH, csrfField, page, type PageContext, type Section } from '../layout';

export function signInPage(context: PageContext, options: { next?: string; problem?: string; notice?: string; sandbox: boolean }): string {
  return page(
    context,
    'none',
    'Sign in',
    html`<h1>Sign in to the order-sync console</h1>
${options.notice ? html`<p class="banner ok" role="status">${options.notice}</p>` : ''}
${options.problem ? html`<p class="banner bad" role="alert">${options.problem}</p>` : ''}
<form method="post" action="${CONSOLE_PATH}/sign-in" class="stack">
  <input type="hidden" name="next" value="${options.next ?? ''}">
  <label>Admin key
    <input type="password" name="key" required autocomplete="current-password" autofocus>
  </label>
  <label>Your name (optional; your changes are audited under it)
    <input type="text" name="name" maxlength="64" autocomplete="name">
  </label>
  <div><button type="submit" class="primary">Sign in</button></div>
</form>
<p class="muted">The admin key is ADMIN_API_KEY, or the key generated into the data directory when it is unset${
      options.sandbox ? html` (in the sandbox: <code>cat data/admin-api-key</code>)` : ''
    }. You stay signed in for a while (CONSOLE_SESSION_HOURS), until you sign out, or until the key changes.</p>`,
  );
}

export interface ConfirmOptions {
  section: Section;
  title: string;
  question: string;
  details?: Html;
  action: string;
  button: string;
  danger?: boolean;
  cancel: string;
  fields?: Record<string, string>;
}

/** Every action asks first: this page says what will happen, and its button does it. */
export function confirmPage(context: PageContext, options: ConfirmOptions): string {
  return page(
    context,
    options.section,
    options.title,
    html`<h1>${options.title}</h1>
<p>${options.question}</p>
${options.details ?? ''}
<form method="post" action="${options.action}" class="actions">
  ${csrfField(context.user)}
  ${Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
  <button type="submit" class="${options.danger ? 'danger' : 'primary'}">${options.button}</button>
  <a class="button" href="${options.cancel}">Cancel</a>
</form>`,
  );
}

/** What an action did (or why it did not). */
export function resultPage(
  context: PageContext,
  section: Section,
  options: { title: string; ok: boolean; message: string; details?: Html; back: string; backText: string },
): string {
  return page(
    context,
    section,
    options.title,
    html`<h1>${options.title}</h1>
<p class="banner ${options.ok ? 'ok' : 'bad'}" role="${options.ok ? 'status' : 'alert'}">${options.message}</p>
${options.details ?? ''}
<p><a href="${options.back}">${options.backText}</a></p>`,
  );
}

export function errorPage(context: PageContext, status: number, message: string): string {
  const title =
    status === 404
      ? 'Not found'
      : status === 403
        ? 'Refused'
        : status === 401
          ? 'Sign in first'
          : status === 429
            ? 'Too many attempts'
            : status >= 500
              ? 'Something went wrong'
              : 'That did not work';
  return page(
    context,
    'none',
    title,
    html`<h1>${title}</h1>
<p class="banner bad" role="alert">${message}</p>
<p><a href="${CONSOLE_PATH}/${context.user ? 'orders' : 'sign-in'}">${context.user ? 'Back to the orders' : 'Sign in'}</a></p>`,
  );
}

/** Validation problems of a form or a filter, one line each. */
export function problems(messages: string[]): Html {
  if (!messages.length) return html``;
  return html`<div class="banner bad" role="alert"><p>Please check:</p><ul>${messages.map((m) => html`<li>${m}</li>`)}</ul></div>`;
}
