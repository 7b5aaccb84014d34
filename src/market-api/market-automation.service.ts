import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/transaction';
import { InvalidInputError } from '../common/domain-error';
import type { MarketAutomationView, PutMarketAutomationDto } from './dto/market-automation.dto';
import type { MarketAutomation } from './market-automation.entity';
import { MarketAutomationRepository } from './market-automation.repository';

export interface AutomationSettings {
  campaignId: string;
  businessId: string | null;
  storeId: string | null;
  orderNumberPrefix: string;
  fetchDetails: boolean;
  prepareTicket: boolean;
  pushStatuses: boolean;
  answerCancellations: boolean;
  configured: boolean;
}

const INT64 = /^[1-9]\d{0,18}$/;

/** A prepare ticket can be made: the rule is on and the campaign has its store and business. */
export function ticketsPossible(settings: AutomationSettings): boolean {
  return settings.prepareTicket && Boolean(settings.storeId) && Boolean(settings.businessId);
}

/** Per-campaign automation rules (table `market_automation`), edited over the admin API. */
@Injectable()
export class MarketAutomationService {
  constructor(private readonly repository: MarketAutomationRepository) {}

  /**
   * The campaign's settings; a campaign without a row gets the defaults (only the status push on). In a
   * transaction, read once: every order change of a group-committed batch of the campaign asks again.
   */
  forCampaign(campaignId: string, tx?: Tx): Promise<AutomationSettings> {
    const read = async () => {
      const row = await this.repository.find(campaignId, tx?.manager);
      return row ? toSettings(row) : defaults(campaignId);
    };
    return tx ? tx.remember(`market-automation:${campaignId}`, read) : read();
  }

  /** Campaigns with a business id: the ones the reconciliation pulls. */
  campaignsWithBusiness(): Promise<{ campaignId: string; businessId: string }[]> {
    return this.repository.withBusiness();
  }

  async businessIdOf(campaignId: string): Promise<string | null> {
    return (await this.repository.find(campaignId))?.businessId ?? null;
  }

  async list(): Promise<MarketAutomationView[]> {
    const rows = await this.repository.list();
    return rows.map((row) => toView(row));
  }

  async get(campaignId: string): Promise<MarketAutomationView> {
    assertCampaignId(campaignId);
    const row = await this.repository.find(campaignId);
    return row ? toView(row) : toView(null, campaignId);
  }

  /** Upsert: fields left out keep their value (or the default); checks that every rule switched on can run. */
  async put(campaignId: string, dto: PutMarketAutomationDto, actor: string): Promise<MarketAutomationView> {
    assertCampaignId(campaignId);
    const saved = await this.repository.update(campaignId, (row) => {
      if (dto.businessId !== undefined) row.businessId = dto.businessId;
      if (dto.storeId !== undefined) row.storeId = dto.storeId;
      if (dto.orderNumberPrefix !== undefined) row.orderNumberPrefix = dto.orderNumberPrefix;
      const rules = dto.rules ?? {};
      if (rules.fetchDetails !== undefined) row.fetchDetails = rules.fetchDetails;
      if (rules.prepareTicket !== undefined) row.prepareTicket = rules.prepareTicket;
      if (rules.pushStatuses !== undefined) row.pushStatuses = rules.pushStatuses;
      if (rules.answerCancellations !== undefined) row.answerCancellations = rules.answerCancellations;
      const problems: string[] = [];
      if ((row.fetchDetails || row.prepareTicket) && !row.businessId)
        problems.push('businessId is required while rules.fetchDetails or rules.prepareTicket is on');
      if (row.prepareTicket && !row.storeId) problems.push('storeId is required while rules.prepareTicket is on');
      if (problems.length) throw new InvalidInputError(problems);
      row.updatedBy = actor;
    });
    return toView(saved);
  }
}

function assertCampaignId(campaignId: string): void {
  if (!INT64.test(campaignId)) throw new InvalidInputError(['campaignId must be an int64 id (digits)']);
}

function defaults(campaignId: string): AutomationSettings {
  return {
    campaignId,
    businessId: null,
    storeId: null,
    orderNumberPrefix: 'YM-',
    fetchDetails: false,
    prepareTicket: false,
    pushStatuses: true,
    answerCancellations: false,
    configured: false,
  };
}

function toSettings(row: MarketAutomation): AutomationSettings {
  return {
    campaignId: row.campaignId,
    businessId: row.businessId,
    storeId: row.storeId,
    orderNumberPrefix: row.orderNumberPrefix,
    fetchDetails: row.fetchDetails,
    prepareTicket: row.prepareTicket,
    pushStatuses: row.pushStatuses,
    answerCancellations: row.answerCancellations,
    configured: true,
  };
}

function toView(row: MarketAutomation | null, campaignId?: string): MarketAutomationView {
  const s = row ? toSettings(row) : defaults(campaignId!);
  return {
    campaignId: s.campaignId,
    businessId: s.businessId,
    storeId: s.storeId,
    orderNumberPrefix: s.orderNumberPrefix,
    rules: { fetchDetails: s.fetchDetails, prepareTicket: s.prepareTicket, pushStatuses: s.pushStatuses, answerCancellations: s.answerCancellations },
    configured: s.configured,
    version: row?.version ?? null,
    updatedAt: row?.updatedAt ?? null,
    updatedBy: row?.updatedBy ?? null,
  };
}
