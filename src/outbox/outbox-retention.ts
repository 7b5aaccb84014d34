import { Injectable } from '@nestjs/common';
import { Handles } from '../events/channels';
import { deleteInBatches, RETENTION_STEP, type RetentionCutoffs } from '../retention/retention-step';
import { OutboxRepository } from './outbox.repository';

/** The outbox's part of the retention job: old attempts, and finished deliveries that are not their order's latest. */
@Injectable()
export class OutboxRetention {
  constructor(private readonly repository: OutboxRepository) {}

  @Handles(RETENTION_STEP, 'delivery_attempts')
  async deleteOldAttempts(cutoffs: RetentionCutoffs): Promise<number> {
    return deleteInBatches(cutoffs.batchSize, (limit) => this.repository.deleteAttemptsBefore(cutoffs.attemptsBefore, limit));
  }

  @Handles(RETENTION_STEP, 'deliveries')
  async deleteOldDeliveries(cutoffs: RetentionCutoffs): Promise<number> {
    return deleteInBatches(cutoffs.batchSize, (limit) => this.repository.deleteFinishedBefore(cutoffs.attemptsBefore, limit));
  }
}
