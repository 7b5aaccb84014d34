/**
 * HTML built with a tagged template: every interpolated value is escaped unless it is Html already (the result
 * of another `html` template, or `raw` for markup the code wrote itself). Arrays are joined; null, undefined
 * and false print nothing, so `${cond && html`…`}` reads as it should.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | bigint | boolean | null | undefined | Value[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const SPECIAL = /[&<>"']/;

export function escapeHtml(text: string): string {
  return SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => ESCAPES[c]) : text;
}

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup the code itself wrote (never anything a request or a peer sent). */
export function raw(text: string): Html {
  return new Html(text);
}

/** A query string from the given parameters, leaving out the empty ones (`?a=1&b=x`, or '' when none is left). */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '' && value !== false) search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
