import { Module } from '@nestjs/common';
import { DatabaseProbe } from '../database/database-probe';
import { OutboxModule } from '../outbox/outbox.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [OutboxModule], controllers: [HealthController], providers: [HealthService, DatabaseProbe] })
export class HealthModule {}
