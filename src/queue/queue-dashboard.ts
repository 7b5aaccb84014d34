import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { adminKeyMiddleware } from '../auth/admin-key.guard';
import type { AppConfig } from '../config/app-config';
import { DELIVERY_QUEUE } from './queue.module';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Bull Board behind the admin key; failed jobs can be retried there, dead deliveries via /admin/deliveries. */
export function mountQueueDashboard(app: INestApplication, config: AppConfig): void {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: [new BullMQAdapter(app.get<Queue>(getQueueToken(DELIVERY_QUEUE)))], serverAdapter });
  app.use(QUEUE_DASHBOARD_PATH, adminKeyMiddleware(config), serverAdapter.getRouter());
}
