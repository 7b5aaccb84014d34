import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';

/** Market's official notification OpenAPI description, copied unchanged (see its SOURCE.md). */
export const MARKET_SPEC_DIR = join(process.cwd(), 'test', 'fixtures', 'yandex-market-notification-api');
const SCHEMAS = join(MARKET_SPEC_DIR, 'components', 'schemas');

export interface Schema {
  type?: string;
  format?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: string[];
  pattern?: string;
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  $ref?: string;
  discriminator?: { mapping: Record<string, string> };
}

/** Loads a schema file with every $ref inlined. */
export function loadSchema(file: string): Schema {
  const path = resolve(SCHEMAS, file);
  const schema = yaml.load(readFileSync(path, 'utf8')) as Schema;
  return inline(schema, dirname(path));
}

function inline(schema: Schema, base: string): Schema {
  if (schema.$ref) return loadSchema(resolve(base, schema.$ref));
  const out: Schema = { ...schema };
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, inline(v, base)]));
  if (schema.items) out.items = inline(schema.items, base);
  return out;
}

/** notificationType → schema, straight from the discriminator of SendNotificationRequest. */
export function notificationSchemas(): Record<string, Schema> {
  const request = yaml.load(readFileSync(join(SCHEMAS, 'SendNotificationRequest.yaml'), 'utf8')) as Schema;
  return Object.fromEntries(Object.entries(request.discriminator!.mapping).map(([type, file]) => [type, loadSchema(file)]));
}

let counter = 1000;

/** A value that satisfies the schema: every property filled in, optional ones too. */
export function validValue(schema: Schema, name: string, type: string): unknown {
  if (name === 'notificationType') return type;
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
      return schema.format === 'int64' ? ++counter : 2;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    case 'array':
      return [validValue(schema.items!, name, type)];
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, validValue(value, key, type)]));
    case 'string':
      if (schema.format === 'date-time') return '2026-11-24T10:00:00.123+03:00';
      if (schema.pattern) return `SKU-${name}-1`;
      return `${name} text`;
    default:
      return `${name}`;
  }
}

export function validPayload(type: string, schema: Schema): Record<string, unknown> {
  return validValue(schema, '', type) as Record<string, unknown>;
}

/** Paths of every field the schema requires, nested ones as `items[0].offerId`. */
export function requiredPaths(schema: Schema, prefix = ''): string[] {
  const paths: string[] = [];
  for (const name of schema.required ?? []) {
    const path = prefix ? `${prefix}.${name}` : name;
    paths.push(path);
    const child = schema.properties?.[name];
    if (child?.type === 'object') paths.push(...requiredPaths(child, path));
    if (child?.type === 'array' && child.items?.type === 'object') paths.push(...requiredPaths(child.items, `${path}[0]`));
  }
  return paths;
}

/** Paths of every int64 field (for mistyping). */
export function int64Paths(schema: Schema, prefix = ''): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, child]) => {
    const path = prefix ? `${prefix}.${name}` : name;
    if (child.type === 'integer' && child.format === 'int64') return [path];
    if (child.type === 'object') return int64Paths(child, path);
    return [];
  });
}

export function without(payload: Record<string, unknown>, path: string): Record<string, unknown> {
  return edit(payload, path, (holder, key) => delete holder[key]);
}

export function withValue(payload: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  return edit(payload, path, (holder, key) => (holder[key] = value));
}

function edit(payload: Record<string, unknown>, path: string, change: (holder: Record<string, unknown>, key: string) => void) {
  const copy = structuredClone(payload);
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  let holder: any = copy;
  for (const key of keys.slice(0, -1)) holder = holder[key];
  change(holder, keys.at(-1)!);
  return copy;
}
