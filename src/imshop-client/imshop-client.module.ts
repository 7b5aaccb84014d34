import { Module } from '@nestjs/common';
import { ImshopClient } from './imshop.client';

/**
 * IMSHOP's API as every IMSHOP module uses it: one ImshopClient for the whole app (the status push of
 * imshop-sync and the ticket API of imshop-tickets), so both go out with the same key, timeouts and limits.
 * The folder also holds what both read of IMSHOP's conventions (imshop-validators.ts: ids, unix timestamps),
 * so neither IMSHOP module imports the other.
 */
@Module({
  providers: [ImshopClient],
  exports: [ImshopClient],
})
export class ImshopClientModule {}
