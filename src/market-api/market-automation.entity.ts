import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/**
 * Automation settings of one Market campaign (shop). Without a row a campaign gets only the status push
 * (`pushStatuses` on, every other rule off): fetching details needs the business id, tickets need a store.
 */
@Entity('market_automation')
export class MarketAutomation {
  /** int64, kept as a string. */
  @PrimaryColumn({ name: 'campaign_id', type: 'bigint' })
  campaignId: string;

  /** The Market business (кабинет) of the campaign: `POST v1/businesses/{businessId}/orders` needs it. */
  @Column({ name: 'business_id', type: 'bigint', nullable: true })
  businessId: string | null;

  /** The IMSHOP store that assembles this campaign's orders (`storeId` of the prepare ticket). */
  @Column({ name: 'store_id', type: 'varchar', length: 255, nullable: true })
  storeId: string | null;

  /** A Market order gets the OMS order number `<prefix><Market order id>` when we create its first ticket. */
  @Column({ name: 'order_number_prefix', type: 'varchar', length: 32, default: 'YM-' })
  orderNumberPrefix: string;

  /** After ORDER_CREATED: fetch buyer, delivery and items with prices from Market onto the order. */
  @Column({ name: 'fetch_details', type: 'boolean', default: false })
  fetchDetails: boolean;

  /** At PROCESSING/STARTED: create an IMSHOP prepare ticket in `storeId`; withdraw it if the order is cancelled. */
  @Column({ name: 'prepare_ticket', type: 'boolean', default: false })
  prepareTicket: boolean;

  /** Push our status changes to Market through the outbound `market` rows (ticket done → READY_TO_SHIP, ...). */
  @Column({ name: 'push_statuses', type: 'boolean', default: true })
  pushStatuses: boolean;

  /** Answer buyers' cancellation requests: accept (and cancel the order) before it is shipped, refuse after. */
  @Column({ name: 'answer_cancellations', type: 'boolean', default: false })
  answerCancellations: boolean;

  @Column({ name: 'updated_by', type: 'varchar', length: 64, nullable: true })
  updatedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn()
  version: number;
}
