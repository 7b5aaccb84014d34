import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Ids of bigserial rows travel as digit strings (never numbers, which round beyond 2^53). */
@Injectable()
export class ParseBigintIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[1-9]\d{0,18}$/.test(value)) throw new BadRequestException(`id must be a positive integer (got "${value}")`);
    return value;
  }
}
