import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, imshopKeyFile, type AppConfig } from '../config/app-config';
import { MarketAutomationService } from '../market-api/market-automation.service';

/**
 * The demo Market campaign the sandbox sets up: the ids of the Market notification examples in Swagger UI
 * (`EXAMPLE_IDS`), and the store of IMSHOP's ticket example.
 */
export const DEMO_CAMPAIGN = { campaignId: '21683701', businessId: '9876543', storeId: '1456' } as const;

/**
 * The sandbox (SANDBOX=true): stand-ins for IMSHOP and Market (SandboxImshop, SandboxMarket) that the app calls over
 * real HTTP at the URLs left unset, answering in the peers' documented shapes, remembering what those peers would,
 * recording every request and misbehaving on demand (SandboxRecorder). This part says so at boot and sets up the
 * demo campaign.
 */
@Injectable()
export class SandboxService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Sandbox');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly automation: MarketAutomationService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const peers = this.config.sandboxPeers;
    const standIns = [
      peers.imshopStatus && 'IMSHOP_STATUS_URL',
      peers.imshopTickets && 'IMSHOP_TICKETS_URL',
      peers.market && 'MARKET_API_URL (no MARKET_API_KEY)',
    ].filter(Boolean);
    this.logger.warn(
      `SANDBOX=true: /market also admits loopback callers, and the app's own peers under /sandbox/ stand in for ${standIns.length ? standIns.join(', ') : 'nothing (every peer URL is configured)'}. ` +
        'For anything but trying it out, start without SANDBOX (npm run start:prod).',
    );
    if (this.config.imshop.keyGenerated)
      this.logger.warn(`IMSHOP_WEBHOOK_KEY is not set: the sandbox generated an IMSHOP key into ${imshopKeyFile(this.config)}`);
    if (peers.market) await this.seedDemoCampaign();
  }

  /** The demo campaign with every automation rule on, unless its settings were saved before (kept as they are). */
  private async seedDemoCampaign(): Promise<void> {
    const current = await this.automation.get(DEMO_CAMPAIGN.campaignId);
    if (current.configured) return;
    await this.automation.put(
      DEMO_CAMPAIGN.campaignId,
      {
        businessId: DEMO_CAMPAIGN.businessId,
        storeId: DEMO_CAMPAIGN.storeId,
        rules: { fetchDetails: true, prepareTicket: true, pushStatuses: true, answerCancellations: true },
      },
      'sandbox',
    );
    this.logger.log(
      `sandbox: demo Market campaign ${DEMO_CAMPAIGN.campaignId} (business ${DEMO_CAMPAIGN.businessId}) set up with every rule on, tickets to IMSHOP store ${DEMO_CAMPAIGN.storeId}`,
    );
  }
}
