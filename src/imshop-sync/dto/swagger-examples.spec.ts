import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { exampleOf } from '../../common/swagger-example';
import { validateDto } from '../../common/validate-dto';
import { OrderStatusUpdateDto } from './order-status-update.dto';

/** The Swagger request examples are built from `@ApiProperty({ example })`: they must pass validation. */
describe('Swagger examples of the IMSHOP DTOs', () => {
  it.each([['OrderStatusUpdateDto', OrderStatusUpdateDto]] as const)('%s example is valid', (_name, dto) => {
    const result = validateDto(dto as new () => object, exampleOf(dto));
    expect(result.ok ? [] : result.messages).toEqual([]);
  });
});
