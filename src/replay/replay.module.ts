import { Module } from '@nestjs/common';
import { ImshopTicketsModule } from '../imshop-tickets/imshop-tickets.module';
import { MarketModule } from '../market/market.module';
import { StatusMappingModule } from '../status-mapping/status-mapping.module';
import { ReplayController } from './replay.controller';
import { ReplayRepository } from './replay.repository';
import { ReplayService } from './replay.service';

/** Replay of stored inbound events (admin API); runs where the request arrived (an api or all process). */
@Module({
  imports: [MarketModule, ImshopTicketsModule, StatusMappingModule],
  controllers: [ReplayController],
  providers: [ReplayRepository, ReplayService],
})
export class ReplayModule {}
