import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ADMIN_SECURITY_SCHEME } from '../auth/admin-key.guard';
import { IMSHOP_SECURITY_SCHEME } from '../auth/imshop-key.guard';
import { packageVersion } from '../common/package-version';
import { adminKeyFile, imshopKeyFile, sandboxMarketKeyFile, type AppConfig } from '../config/app-config';
import { SANDBOX_MARKET_SECURITY_SCHEME } from '../sandbox/sandbox-market.controller';

/**
 * Every tag an operation may carry, declared once with what it groups (Spectral's `operation-tag-defined`:
 * clients and doc tools read the global list). A tag missing here fails test/openapi-lint.e2e-spec.ts.
 */
const TAGS: { name: string; description: string }[] = [
  { name: 'Yandex Market', description: 'Notifications Yandex Market sends (register https://<host>/market in the Market cabinet).' },
  { name: 'IMSHOP', description: "IMSHOP's calls to us: ticket status webhook and buyer cancellations from the app (IMSHOP key)." },
  { name: 'retailer OMS', description: "The retailer's order management system reporting its statuses (admin key)." },
  { name: 'admin: orders', description: 'Orders with their full history; setting a status by hand.' },
  { name: 'admin: status mappings', description: 'The mapping table between Market, IMSHOP and OMS codes and the internal statuses, with its audit trail.' },
  { name: 'admin: Yandex Market', description: 'Stored Market notifications and the per-campaign automation of the partner API.' },
  { name: 'admin: market', description: "Reconciliation: pulling the orders Market changed, to catch notifications that never came." },
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
  'post /admin/deliveries/{id}/retry': 'Only dead and superseded deliveries can be retried; the delivery is queued at once (202) with DELIVERY_MAX_ATTEMPTS new attempts.',
  'get /admin/targets': 'A target is paused after failing continuously for PAUSE_AFTER_MINUTES, or by hand; a probe resumes an automatic pause after one successful delivery.',
  'post /admin/targets/{target}/pause': 'Answers 200 with the target, also when it was paused already.',
  'post /admin/targets/{target}/resume': 'Answers 200 with the target, also when it was not paused.',
};

/** The OpenAPI description served at /docs-json and shown by Swagger UI at /docs. */
export function buildApiDocument(app: INestApplication, config: AppConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('order-sync')
    .setDescription(
      "Keeps a retailer's orders in step across Yandex Market and an IMSHOP.IO app. Admin endpoints need the admin key (Authorize)." +
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
        description: config.adminApiKeyGenerated ? `the admin key: ADMIN_API_KEY is not set, so it was generated into ${adminKeyFile(config)}` : 'ADMIN_API_KEY',
      },
      ADMIN_SECURITY_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: config.imshop.keyGenerated
          ? `the IMSHOP key (what IMSHOP sends): IMSHOP_WEBHOOK_KEY is not set, so the sandbox generated it into ${imshopKeyFile(config)}`
          : 'IMSHOP_WEBHOOK_KEY (what IMSHOP sends)',
      },
      IMSHOP_SECURITY_SCHEME,
    );
  if (config.sandboxPeers.market) {
    builder.addApiKey(
      { type: 'apiKey', in: 'header', name: 'Api-Key', description: `the sandbox Market's key: MARKET_API_KEY is not set, so the sandbox generated it into ${sandboxMarketKeyFile(config)}` },
      SANDBOX_MARKET_SECURITY_SCHEME,
    );
  }
  const document = SwaggerModule.createDocument(app, builder.build());
  const used = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, { tags?: string[]; description?: string }>)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      for (const tag of operation.tags ?? []) used.add(tag);
      if (!operation.description && FALLBACK_DESCRIPTIONS[`${method} ${path}`]) operation.description = FALLBACK_DESCRIPTIONS[`${method} ${path}`];
    }
  }
  document.tags = TAGS.filter((tag) => used.has(tag.name));
  return document;
}
