import { Module } from '@nestjs/common';
import { StatusMappingController } from './status-mapping.controller';
import { StatusMappingService } from './status-mapping.service';

@Module({
  controllers: [StatusMappingController],
  providers: [StatusMappingService],
  exports: [StatusMappingService],
})
export class StatusMappingModule {}
