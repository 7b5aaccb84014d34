import { Module } from '@nestjs/common';
import { StatusMappingController } from './status-mapping.controller';
import { StatusMappingRepository } from './status-mapping.repository';
import { StatusMappingService } from './status-mapping.service';

@Module({
  controllers: [StatusMappingController],
  providers: [StatusMappingService, StatusMappingRepository],
  exports: [StatusMappingService],
})
export class StatusMappingModule {}
