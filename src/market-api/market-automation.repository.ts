import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runInTransaction } from '../database/transaction';
import { MarketAutomation } from './market-automation.entity';

/** The SQL of the per-campaign automation rules (market_automation). */
@Injectable()
export class MarketAutomationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `manager`: read inside the caller's transaction (the order change that asks). */
  find(campaignId: string, manager: EntityManager = this.dataSource.manager): Promise<MarketAutomation | null> {
    return manager.getRepository(MarketAutomation).findOneBy({ campaignId });
  }

  list(): Promise<MarketAutomation[]> {
    return this.dataSource.getRepository(MarketAutomation).find({ order: { campaignId: 'ASC' } });
  }

  /** Campaigns with a business id, in order (the reconciliation pulls each). */
  async withBusiness(): Promise<{ campaignId: string; businessId: string }[]> {
    return (await this.dataSource.query(
      'SELECT campaign_id::text AS "campaignId", business_id::text AS "businessId" FROM market_automation WHERE business_id IS NOT NULL ORDER BY campaign_id',
    )) as { campaignId: string; businessId: string }[];
  }

  /**
   * Changes the campaign's row in one transaction, its row locked (created with version 0 when missing, so the
   * first save makes it 1); `change` may refuse by throwing, and nothing is written.
   */
  update(campaignId: string, change: (row: MarketAutomation) => void): Promise<MarketAutomation> {
    return runInTransaction(this.dataSource, async ({ manager }) => {
      const repo = manager.getRepository(MarketAutomation);
      await manager.query('INSERT INTO market_automation (campaign_id, version) VALUES ($1, 0) ON CONFLICT (campaign_id) DO NOTHING', [campaignId]);
      const row = await repo.findOneOrFail({ where: { campaignId }, lock: { mode: 'pessimistic_write' } });
      change(row);
      return repo.save(row);
    });
  }
}
