import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { MarketApiModule } from '../market-api/market-api.module';
import { OrdersModule } from '../orders/orders.module';
import { SandboxAdminController } from './sandbox-admin.controller';
import { SandboxImshopController } from './sandbox-imshop.controller';
import { SandboxMarketController } from './sandbox-market.controller';
import { SandboxRepository } from './sandbox.repository';
import { SandboxImshop } from './sandbox-imshop.service';
import { SandboxMarket } from './sandbox-market.service';
import { SandboxRecorder } from './sandbox-recorder.service';
import { SandboxService } from './sandbox.service';

/**
 * The sandbox (SANDBOX=true only; AppModule does not import it otherwise): peers the app serves itself for the
 * peer URLs left unset, the demo Market campaign, and the admin view of what the peers received.
 */
@Module({})
export class SandboxModule {
  static forRoot(config: AppConfig): DynamicModule {
    const peers = config.sandboxPeers;
    return {
      module: SandboxModule,
      imports: [OrdersModule, MarketApiModule],
      controllers: [
        SandboxAdminController,
        ...(peers.imshopStatus || peers.imshopTickets ? [SandboxImshopController] : []),
        ...(peers.market ? [SandboxMarketController] : []),
      ],
      providers: [SandboxRepository, SandboxService, SandboxRecorder, SandboxImshop, SandboxMarket],
      exports: [SandboxRecorder],
    };
  }
}
