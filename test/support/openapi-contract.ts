import $RefParser from '@apidevtools/json-schema-ref-parser';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import yaml from 'js-yaml';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Checks requests and answers against an OpenAPI 3.0 document with Ajv (JSON Schema 2019-09, so that `closed`
 * can use unevaluatedProperties) and ajv-formats; multi-file documents are bundled by json-schema-ref-parser.
 * Used for Market's official specs (test/fixtures) and for the app's own /docs-json.
 */

export interface OpenApiDocument {
  openapi: string;
  servers?: { url: string }[];
  security?: Record<string, string[]>[];
  paths: Record<string, Record<string, unknown>>;
  components?: {
    schemas?: Record<string, unknown>;
    securitySchemes?: Record<string, SecurityScheme>;
    [kind: string]: unknown;
  };
  [key: string]: unknown;
}

export interface SecurityScheme {
  type: string;
  in?: string;
  name?: string;
  scheme?: string;
  /** Ours: the key may come as this property of the JSON body instead (IMSHOP's `key`): see docs/imshop.md. */
  'x-body-property'?: string;
  [key: string]: unknown;
}

interface Parameter {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

interface MediaType {
  schema?: unknown;
}

interface Response {
  $ref?: string;
  content?: Record<string, MediaType>;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { $ref?: string; required?: boolean; content: Record<string, MediaType> };
  responses: Record<string, Response>;
  security?: Record<string, string[]>[];
}

export interface MatchedOperation {
  /** The path template of the document, e.g. `/admin/orders/{id}`. */
  template: string;
  method: string;
  operation: Operation;
  /** Where the operation is in the document: ['paths', template, method]. */
  segments: string[];
  params: Record<string, string>;
}

export interface CheckedRequest {
  method: string;
  /** Path with its query string, as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined when none). */
  body?: unknown;
}

export interface CheckedAnswer {
  status: number;
  contentType?: string;
  /** The body as text ('' when none). */
  text: string;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Market's own formats (partner API) besides the standard ones; its `time` is `ЧЧ:ММ` (its descriptions say so),
 * not JSON Schema's RFC 3339 time with seconds and offset. OpenAPI leaves a format's meaning to the document.
 */
const EXTRA_FORMATS: Record<string, RegExp> = {
  time: /^\d\d:\d\d(:\d\d)?$/,
  'date-dd-MM-yyyy': /^\d\d-\d\d-\d{4}$/,
  'date-dd-MM-yyyy-HH-mm-ss': /^\d\d-\d\d-\d{4} \d\d:\d\d:\d\d$/,
};

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * OpenAPI 3.0 schemas are JSON Schema draft-04-ish: boolean exclusiveMinimum/exclusiveMaximum become the numeric
 * form of later drafts. `closed`: every object schema outside an allOf gets `unevaluatedProperties: false`, so a
 * property the document does not declare is an error (for what we send and what we answer), with allOf, oneOf and
 * $ref still composing as they should.
 */
function toJsonSchema(node: unknown, closed: boolean, inAllOf = false): unknown {
  if (Array.isArray(node)) return node.map((item) => toJsonSchema(item, closed));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'allOf' && Array.isArray(value)) out.allOf = value.map((item) => toJsonSchema(item, closed, true));
    else if (key === 'properties' && isObject(value))
      out.properties = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema, closed)]));
    else if (key === 'example' || key === 'examples' || key === 'discriminator') continue;
    else out[key] = toJsonSchema(value, closed);
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    if (out[`exclusive${bound}`] === true) {
      out[`exclusive${bound}`] = out[bound.toLowerCase()];
      delete out[bound.toLowerCase()];
    } else if (out[`exclusive${bound}`] === false) {
      delete out[`exclusive${bound}`];
    }
  }
  const objectLike = out.type === 'object' || 'properties' in out || '$ref' in out || 'allOf' in out || 'oneOf' in out || 'anyOf' in out;
  if (closed && !inAllOf && objectLike && !('additionalProperties' in out) && !('unevaluatedProperties' in out)) out.unevaluatedProperties = false;
  // OpenAPI 3.0's nullable admits null whatever else the schema says (an enum, an allOf of a $ref): JSON Schema's way.
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

function describeErrors(errors: ErrorObject[] | null | undefined, at: string): string[] {
  return (errors ?? []).slice(0, 10).map((error) => {
    const where = `${at}${error.instancePath.replace(/\//g, '.')}`;
    if (error.keyword === 'unevaluatedProperties')
      return `${where}.${(error.params as { unevaluatedProperty: string }).unevaluatedProperty}: not in the schema`;
    return `${where}: ${error.message}${error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : ''}`;
  });
}

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export class OpenApiContract {
  private readonly ajvs = new Map<string, Ajv2019>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp; names: string[]; literals: number }[];

  private constructor(readonly document: OpenApiDocument) {
    this.templates = Object.keys(document.paths)
      .map((template) => {
        const names: string[] = [];
        const source = template
          .split(/(\{[^}]+\})/)
          .map((part) => (/^\{.+\}$/.test(part) ? (names.push(part.slice(1, -1)), '([^/]+)') : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
          .join('');
        const pattern = new RegExp(`^${source}$`);
        return { template, pattern, names, literals: template.split('/').filter((segment) => segment && !segment.startsWith('{')).length };
      })
      // /admin/status-mappings/export before /admin/status-mappings/{id}, as the routers decide
      .sort((a, b) => b.literals - a.literals);
  }

  /**
   * An Ajv holding the document (JSON Schema form: open, and closed), made on first use: a whole spec takes a
   * second to convert and add, and most checks need one kind only. `coerce`: for parameters, which are strings.
   */
  private ajv(coerce: boolean): Ajv2019 {
    const key = coerce ? 'coerce' : 'plain';
    let ajv = this.ajvs.get(key);
    if (!ajv) {
      ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false, logger: false, ...(coerce ? { coerceTypes: 'array' as const } : {}) });
      addFormats(ajv);
      for (const [name, pattern] of Object.entries(EXTRA_FORMATS)) ajv.addFormat(name, pattern);
      this.ajvs.set(key, ajv);
    }
    return ajv;
  }

  private compile(coerce: boolean, closed: boolean, schema: object): ValidateFunction {
    const ajv = this.ajv(coerce);
    const id = closed ? 'closed' : 'open';
    if (!ajv.getSchema(id)) ajv.addSchema(toJsonSchema(this.document, closed) as object, id);
    return ajv.compile(schema);
  }

  /**
   * A multi-file document (an entry file whose $refs point at other files), bundled into one. Market's specs keep
   * each component in its own file (components/schemas/Name.yaml) without listing them in the entry file: they are
   * listed here, so that `validateSchema('Name')` finds every one.
   */
  static async fromFile(entry: string): Promise<OpenApiContract> {
    const root = yaml.load(readFileSync(entry, 'utf8')) as OpenApiDocument;
    const components = join(dirname(entry), 'components');
    root.components ??= {};
    for (const kind of existsSync(components) ? readdirSync(components) : []) {
      const listed = ((root.components[kind] as Record<string, unknown> | undefined) ??= {});
      for (const file of readdirSync(join(components, kind)).filter((name) => /\.ya?ml$/.test(name))) {
        listed[file.replace(/\.ya?ml$/, '')] ??= { $ref: `./components/${kind}/${file}` };
      }
    }
    return new OpenApiContract((await $RefParser.bundle(entry, root as never, {})) as unknown as OpenApiDocument);
  }

  static fromDocument(document: OpenApiDocument): OpenApiContract {
    return new OpenApiContract(structuredClone(document));
  }

  /**
   * Follows a path of keys through the document, $refs included (a response or parameter may be a $ref to
   * components): the node and the pointer where it really is, for Ajv.
   */
  locate<T>(segments: string[]): { node: T; pointer: string } {
    let node: unknown = this.document;
    let real: string[] = [];
    const follow = () => {
      for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && node.$ref.startsWith('#/') && hops < 20; hops++) {
        real = node.$ref
          .slice(2)
          .split('/')
          .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~'));
        node = real.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], this.document);
      }
    };
    for (const segment of segments) {
      follow();
      node = (node as Record<string, unknown> | undefined)?.[segment];
      real = [...real, segment];
    }
    follow();
    return { node: node as T, pointer: `#/${real.map((segment) => encodeURIComponent(escapePointer(segment))).join('/')}` };
  }

  /** The value at a `#/a/b` JSON pointer of the document (following $refs on the way). */
  resolve<T>(pointer: string): T {
    return this.locate<T>(
      pointer
        .replace(/^#\//, '')
        .split('/')
        .filter(Boolean)
        .map((segment) => decodeURIComponent(segment).replace(/~1/g, '/').replace(/~0/g, '~')),
    ).node;
  }

  /** The operation a request is for (path without query string), or undefined. */
  match(method: string, url: string): MatchedOperation | undefined {
    const path = url.split('?')[0];
    const lower = method.toLowerCase();
    if (!HTTP_METHODS.includes(lower)) return undefined;
    for (const { template, pattern, names } of this.templates) {
      const found = pattern.exec(path);
      if (!found) continue;
      const operation = this.locate<Operation | undefined>(['paths', template, lower]).node;
      if (!operation) continue;
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(found[i + 1])]));
      return { template, method: lower, operation, segments: ['paths', template, lower], params };
    }
    return undefined;
  }

  /** Problems of `value` against the schema at a JSON pointer of the document (as `locate` gives it). */
  validate(pointer: string, value: unknown, options: { closed?: boolean; at?: string } = {}): string[] {
    const id = `${options.closed ? 'closed' : 'open'}${pointer}`;
    let validator = this.validators.get(id);
    if (!validator) {
      validator = this.compile(false, Boolean(options.closed), { $ref: id });
      this.validators.set(id, validator);
    }
    return validator(value) ? [] : describeErrors(validator.errors, options.at ?? '$');
  }

  /** Problems of `value` against `components.schemas[name]`. */
  validateSchema(name: string, value: unknown, options: { closed?: boolean } = {}): string[] {
    const { node, pointer } = this.locate(['components', 'schemas', name]);
    if (!node) throw new Error(`no schema ${name} in the document`);
    return this.validate(pointer, value, options);
  }

  /**
   * Everything about a request that leaves the document: an unknown path or method, path, query and header
   * parameters, the content type and the body (closed: no undeclared property). Security is the caller's.
   */
  requestProblems(request: CheckedRequest, options: { closed?: boolean } = {}): string[] {
    const matched = this.match(request.method, request.url);
    if (!matched) return [`no ${request.method} ${request.url.split('?')[0]} in the document`];
    const problems: string[] = [];
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const declared: string[] = [];
    for (const holder of [['paths', matched.template], matched.segments]) {
      const list = this.locate<Parameter[] | undefined>([...holder, 'parameters']).node ?? [];
      list.forEach((_raw, index) => {
        const { node: parameter } = this.locate<Parameter>([...holder, 'parameters', String(index)]);
        declared.push(parameter.name);
        const values = parameter.in === 'query' ? query.getAll(parameter.name) : [];
        const found =
          parameter.in === 'path'
            ? matched.params[parameter.name]
            : parameter.in === 'query'
              ? values.length > 1
                ? values
                : values[0]
              : parameter.in === 'header'
                ? request.headers[parameter.name.toLowerCase()]
                : undefined;
        if (found === undefined) {
          if (parameter.required) problems.push(`${parameter.in} parameter ${parameter.name}: required`);
          return;
        }
        const { pointer } = this.locate([...holder, 'parameters', String(index), 'schema']);
        problems.push(...this.validateParameter(pointer, found).map((problem) => `${parameter.in} parameter ${parameter.name}: ${problem}`));
      });
    }
    for (const name of new Set(query.keys())) if (!declared.includes(name)) problems.push(`query parameter ${name}: not in the document`);
    const requestBody = this.locate<Operation['requestBody']>([...matched.segments, 'requestBody']).node;
    if (requestBody) {
      const type = mediaTypeOf(String(request.headers['content-type'] ?? ''));
      if (request.body === undefined) {
        if (requestBody.required) problems.push('body: required');
      } else if (!requestBody.content[type]) {
        problems.push(`content-type ${type || '(none)'} is not one of ${Object.keys(requestBody.content).join(', ')}`);
      } else if (requestBody.content[type].schema) {
        const { pointer } = this.locate([...matched.segments, 'requestBody', 'content', type, 'schema']);
        problems.push(...this.validate(pointer, request.body, { closed: options.closed, at: 'body' }));
      }
    } else if (request.body !== undefined) {
      problems.push('a body was sent to an operation that takes none');
    }
    return problems;
  }

  /**
   * Whether the document places an answer of `matched`: its status (or nXX, or default) is listed, a body comes
   * with a listed media type, and a JSON body matches that media type's schema (closed: no undeclared property).
   */
  answerProblems(matched: MatchedOperation, answer: CheckedAnswer, options: { closed?: boolean } = {}): string[] {
    const label = `${matched.method.toUpperCase()} ${matched.template} → ${answer.status}`;
    const responses = matched.operation.responses ?? {};
    const key = [String(answer.status), `${String(answer.status)[0]}XX`, 'default'].find((candidate) => responses[candidate]);
    if (!key) return [`${label}: the status is not listed (${Object.keys(responses).join(', ')})`];
    const segments = [...matched.segments, 'responses', key];
    const content = this.locate<Response>(segments).node.content ?? {};
    if (answer.text === '') {
      return Object.values(content).some((media) => media.schema) ? [`${label}: no body, where the document gives one`] : [];
    }
    const type = mediaTypeOf(answer.contentType);
    const mediaKey = [type, `${type.split('/')[0]}/*`, '*/*'].find((candidate) => content[candidate]);
    if (!mediaKey) return [`${label}: a ${type || 'body without content-type'} body, where the document lists ${Object.keys(content).join(', ') || 'none'}`];
    if (!content[mediaKey].schema) return [`${label}: the ${type} body has no schema`];
    if (type !== 'application/json' && !type.endsWith('+json')) return [];
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return [`${label}: the body is not JSON`];
    }
    const { pointer } = this.locate([...segments, 'content', mediaKey, 'schema']);
    return this.validate(pointer, body, { closed: options.closed, at: 'body' }).map((problem) => `${label}: ${problem}`);
  }

  /**
   * Whether a request carried a credential of one of the operation's security requirements: an apiKey header,
   * an http bearer or basic Authorization, or (x-body-property) the key as that property of a JSON body whose
   * schema declares it. Empty when the operation needs none.
   */
  credentialProblems(matched: MatchedOperation, request: CheckedRequest): string[] {
    const requirements = matched.operation.security ?? this.document.security ?? [];
    if (requirements.length === 0) return [];
    const schemes = this.document.components?.securitySchemes ?? {};
    const authorization = String(request.headers.authorization ?? '');
    const bodySchema = this.locate([...matched.segments, 'requestBody', 'content', 'application/json', 'schema']).node;
    const carried = (name: string): boolean => {
      const scheme = schemes[name];
      if (!scheme) return false;
      if (scheme.type === 'apiKey' && scheme.in === 'header' && request.headers[String(scheme.name).toLowerCase()] !== undefined) return true;
      if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer' && /^Bearer /i.test(authorization)) return true;
      if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'basic' && /^Basic /i.test(authorization)) return true;
      const property = scheme['x-body-property'];
      return property !== undefined && isObject(request.body) && typeof request.body[property] === 'string' && this.declaresProperty(bodySchema, property);
    };
    if (requirements.some((requirement) => Object.keys(requirement).every(carried))) return [];
    return [
      `${matched.method.toUpperCase()} ${matched.template} let in a request whose credential none of its security requirements (${requirements.map((r) => Object.keys(r).join('+') || '{}').join(', ')}) describes`,
    ];
  }

  private declaresProperty(schema: unknown, property: string): boolean {
    if (!isObject(schema)) return false;
    if (typeof schema.$ref === 'string') return this.declaresProperty(this.resolve(schema.$ref), property);
    if (isObject(schema.properties) && property in schema.properties) return true;
    return ['allOf', 'oneOf', 'anyOf'].some(
      (key) => Array.isArray(schema[key]) && (schema[key] as unknown[]).some((part) => this.declaresProperty(part, property)),
    );
  }

  /** Path, query and header values are strings: coerced to the schema's type first, as a server would. */
  private validateParameter(pointer: string, value: unknown): string[] {
    const id = `parameter:${pointer}`;
    let validator = this.validators.get(id);
    if (!validator) {
      validator = this.compile(true, false, { type: 'object', properties: { value: { $ref: `open${pointer}` } } });
      this.validators.set(id, validator);
    }
    const holder = { value };
    return validator(holder) ? [] : describeErrors(validator.errors, '').map((problem) => problem.replace(/^\.value:?\s*/, ''));
  }
}
