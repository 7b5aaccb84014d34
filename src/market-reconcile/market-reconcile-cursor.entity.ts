import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Where the reconciliation pull of one Market campaign stands. `cursorAt`: every order Market changed before it
 * has been pulled and applied. A run in progress keeps its window (`runFrom`..`runTo`) and the token of the next
 * page to read (`pageToken`, null = the first page); both advance only after a page is fully applied, so a run cut
 * short (crash, Market error) resumes at the page it had not finished.
 */
@Entity('market_reconcile_cursors')
export class MarketReconcileCursor {
  /** int64, kept as a string. */
  @PrimaryColumn({ name: 'campaign_id', type: 'bigint' })
  campaignId: string;

  @Column({ name: 'business_id', type: 'bigint' })
  businessId: string;

  @Column({ name: 'cursor_at', type: 'timestamptz', nullable: true })
  cursorAt: Date | null;

  @Column({ name: 'run_from', type: 'timestamptz', nullable: true })
  runFrom: Date | null;

  @Column({ name: 'run_to', type: 'timestamptz', nullable: true })
  runTo: Date | null;

  @Column({ name: 'page_token', type: 'varchar', length: 2000, nullable: true })
  pageToken: string | null;

  /** Pages of the current run already applied. */
  @Column({ name: 'pages_done', type: 'integer', default: 0 })
  pagesDone: number;

  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true })
  lastRunAt: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  /**
   * Why the last run stopped before the end of its window, while it has not been finished since: `page_limit` (it
   * read MAX_PAGES_PER_RUN pages; the next run goes on from there) or `page_token_repeated` (Market gave a page
   * token it had given before in the run: reading on would read the same pages forever).
   */
  @Column({ name: 'last_stop_reason', type: 'varchar', length: 32, nullable: true })
  lastStopReason: string | null;

  @Column({ name: 'last_stop_at', type: 'timestamptz', nullable: true })
  lastStopAt: Date | null;

  /** Counts of the last finished run: seen, changed, created, unchanged. */
  @Column({ name: 'last_counts', type: 'jsonb', nullable: true })
  lastCounts: Record<string, number> | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
