import type { INestApplication, Type } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ADMIN_BEARER_SECURITY_SCHEME, ADMIN_SECURITY_SCHEME, METRICS_TOKEN_SECURITY_SCHEME } from '../auth/admin-key.guard';
import { IMSHOP_BODY_KEY, IMSHOP_SECURITY_SCHEME } from '../auth/imshop-key.guard';
import { HttpErrorBody } from '../common/dto/http-error.dto';
import { packageVersion } from '../common/package-version';
import { adminKeyFile, imshopKeyFile, sandboxMarketKeyFile, type AppConfig } from '../config/app-config';
import { MarketNotificationError } from '../market/dto/market-answer.dto';
import { MARKET_PATH_PREFIX } from '../market/market-answer';
import { SandboxImshopErrorBody, SandboxMarketErrorBody } from '../sandbox/dto/sandbox-admin.dto';
import { SANDBOX_MARKET_SECURITY_SCHEME } from '../sandbox/sandbox-market.controller';

/**
 * Every tag an operation may carry, declared once with what it groups (Spectral's `operation-tag-defined`:
 * clients and doc tools read the global list). A tag missing here fails test/openapi-lint.e2e-spec.ts.
 */
const TAGS: { name: string; description: string }[] = [
  // In code: Swagger UI renders descriptions as Markdown, where a bare <host> is an HTML tag and disappears.
  { name: 'Yandex Market', description: 'Notifications Yandex Market sends (register `https://<host>/market` in the Market cabinet).' },
  { name: 'IMSHOP', description: "IMSHOP's calls to us: ticket status webhook and buyer cancellations from the app (IMSHOP key)." },
  { name: 'retailer OMS', description: "The retailer's order management system reporting its statuses (admin key)." },
  { name: 'admin: orders', description: 'Orders with their full history; setting a status by hand.' },
  { name: 'admin: status mappings', description: 'The mapping table between Market, IMSHOP and OMS codes and the internal statuses, with its audit trail.' },
  { name: 'admin: Yandex Market', description: 'Stored Market notifications and the per-campaign automation of the partner API.' },
  { name: 'admin: market', description: 'Reconciliation: pulling the orders Market changed, to catch notifications that never came.' },
  { name: 'admin: IMSHOP tickets', description: 'Tickets for store staff: creating them through IMSHOP and the registry of their statuses.' },
  { name: 'admin: deliveries', description: 'Outbound deliveries (IMSHOP status push, Market partner API calls, tickets): attempts, retries, recovery.' },
  { name: 'admin: targets', description: 'Endpoint health of each outbound target: pausing and resuming.' },
  { name: 'admin: replay', description: 'Re-processing stored inbound events, e.g. after a mapping fix.' },
  { name: 'admin: retention', description: 'Deleting old events, attempts and finished deliveries.' },
  { name: 'admin: sandbox', description: 'Sandbox only (SANDBOX=true): what the sandbox peers received, and making them misbehave.' },
  { name: 'sandbox: IMSHOP', description: "Sandbox only: a stand-in for IMSHOP's status sync and ticket API, at the URLs left unset." },
  { name: 'sandbox: Yandex Market', description: "Sandbox only: a stand-in for Market's partner API (MARKET_API_URL without MARKET_API_KEY)." },
  { name: 'health', description: 'Liveness and dependencies.' },
  { name: 'operations', description: 'Metrics for Prometheus.' },
];

/**
 * Descriptions of the outbox's operations, used while their controllers (src/outbox, being rewritten on another
 * branch) carry a summary only. A description set on the operation itself wins; these belong in the controllers.
 */
const FALLBACK_DESCRIPTIONS: Record<string, string> = {
  'get /admin/deliveries':
    'Filter by state, target and order. Each delivery is one change for one target; `superseded` means a newer change of the same order was sent instead.',
  'get /admin/deliveries/{id}': 'The payload sent and every attempt: HTTP status, latency, error and the answer kept.',
  'post /admin/deliveries/{id}/retry':
    'Only dead and superseded deliveries can be retried; the delivery is queued at once (202) with DELIVERY_MAX_ATTEMPTS new attempts.',
  'get /admin/targets':
    'A target is paused after failing continuously for PAUSE_AFTER_MINUTES, or by hand; a probe resumes an automatic pause after one successful delivery.',
  'post /admin/targets/{target}/pause': 'Answers 200 with the target, also when it was paused already.',
  'post /admin/targets/{target}/resume': 'Answers 200 with the target, also when it was not paused.',
};

type OperationObject = NonNullable<OpenAPIObject['paths'][string]['get']>;
type ResponseObject = OperationObject['responses'][string];

/**
 * The error body of each protocol: an error answer an operation lists without a body of its own gets it. Market
 * and the sandbox peers answer in their own shapes; every other route in Nest's (HttpErrorFilter).
 */
const PROTOCOL_ERRORS: { prefix: string; model: Type }[] = [
  { prefix: MARKET_PATH_PREFIX, model: MarketNotificationError },
  { prefix: '/sandbox/imshop', model: SandboxImshopErrorBody },
  { prefix: '/sandbox/market', model: SandboxMarketErrorBody },
];

function errorModelOf(path: string): Type {
  return PROTOCOL_ERRORS.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`))?.model ?? HttpErrorBody;
}

/**
 * What the shared parts answer for every operation, whatever its controller says: the JSON body parser (broken
 * JSON 400, over BODY_LIMIT 413, an unsupported charset or Content-Encoding 415), the validation of bodies and
 * parameters (400 naming the field), and the error filter (500). Listed per operation, so a client generator gets a
 * type for every answer. Market's paths turn all of these into its own 400 and 500 (MarketErrorFilter).
 */
function sharedAnswers(path: string, operation: OperationObject): Record<string, string> {
  const answers: Record<string, string> = {};
  const takesBody = operation.requestBody !== undefined;
  const parameters = (operation.parameters ?? []).filter((parameter) => 'in' in parameter && ['path', 'query'].includes(parameter.in));
  if (takesBody || parameters.length)
    answers['400'] = takesBody
      ? 'A field is wrong (each message names its field), or the body is not valid JSON'
      : 'A parameter is wrong (the message names it)';
  if (takesBody && errorModelOf(path) === HttpErrorBody) {
    answers['413'] = 'The body is larger than BODY_LIMIT';
    answers['415'] = "The body's charset or Content-Encoding is not supported";
  }
  answers['500'] = 'An unexpected failure, e.g. the database is unreachable: nothing was stored; retry';
  return answers;
}

/**
 * Every status an operation can answer, each with a body schema: the shared answers added, and each error answer
 * without content given its protocol's error body.
 */
function completeResponses(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Record<string, OperationObject>)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const responses = operation.responses as Record<string, ResponseObject>;
      const peer = responses.default !== undefined;
      for (const [status, description] of Object.entries(sharedAnswers(path, operation))) {
        if (!responses[status] && !peer) responses[status] = { description };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (!response || '$ref' in response || response.content || !/^([45]\d\d|default)$/.test(status)) continue;
        response.content = { 'application/json': { schema: { $ref: getSchemaPath(errorModelOf(path)) } } };
      }
    }
  }
}

/** The OpenAPI description served at /docs-json and shown by Swagger UI at /docs. */
export function buildApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('order-sync')
    .setDescription(
      "Keeps a retailer's orders in step across Yandex Market and an IMSHOP.IO app. Admin endpoints need the admin key (Authorize): " +
        'as `X-Api-Key` or as `Authorization: Bearer`. IMSHOP sends its key as `Authorization: Bearer` or as `key` in the JSON body.' +
        (config.sandbox ? ' Running as a sandbox (SANDBOX=true): the README walks through the whole loop from here.' : ''),
    )
    .setVersion(packageVersion())
    // Relative: "Try it out" calls the server the page came from, whatever its host and port.
    .addServer('/', 'this server')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-Api-Key',
        description: config.adminApiKeyGenerated
          ? `the admin key: ADMIN_API_KEY is not set, so it was generated into ${adminKeyFile(config)}`
          : 'ADMIN_API_KEY',
      },
      ADMIN_SECURITY_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: `the admin key as \`Authorization: Bearer <key>\`, the same key as X-Api-Key (${config.adminApiKeyGenerated ? `generated into ${adminKeyFile(config)}` : 'ADMIN_API_KEY'})`,
      },
      ADMIN_BEARER_SECURITY_SCHEME,
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for a Prometheus scraper: GET /metrics only' }, METRICS_TOKEN_SECURITY_SCHEME)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description:
          (config.imshop.keyGenerated
            ? `the IMSHOP key (what IMSHOP sends): IMSHOP_WEBHOOK_KEY is not set, so the sandbox generated it into ${imshopKeyFile(config)}`
            : 'IMSHOP_WEBHOOK_KEY (what IMSHOP sends)') +
          `. IMSHOP may send it as \`"${IMSHOP_BODY_KEY}"\` in the JSON body instead: OpenAPI has no scheme for a body field, so each IMSHOP request body declares it (and \`x-body-property\` names it here).`,
        'x-body-property': IMSHOP_BODY_KEY,
      } as never,
      IMSHOP_SECURITY_SCHEME,
    );
  if (config.sandboxPeers.market) {
    builder.addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Api-Key',
        description: `the sandbox Market's key: MARKET_API_KEY is not set, so the sandbox generated it into ${sandboxMarketKeyFile(config)}`,
      },
      SANDBOX_MARKET_SECURITY_SCHEME,
    );
  }
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [HttpErrorBody, MarketNotificationError] });
  const used = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, { tags?: string[]; description?: string }>)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      for (const tag of operation.tags ?? []) used.add(tag);
      if (!operation.description && FALLBACK_DESCRIPTIONS[`${method} ${path}`]) operation.description = FALLBACK_DESCRIPTIONS[`${method} ${path}`];
    }
  }
  completeResponses(document);
  document.tags = TAGS.filter((tag) => used.has(tag.name));
  return document;
}
