import 'reflect-metadata';

type Constructor = new (...args: never[]) => unknown;

interface PropertyMetadata {
  example?: unknown;
  type?: unknown;
  isArray?: boolean;
  required?: boolean;
}

const PROPERTIES_ARRAY = 'swagger/apiModelPropertiesArray';
const PROPERTIES = 'swagger/apiModelProperties';

function isClass(value: unknown): value is Constructor {
  return typeof value === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(value));
}

/**
 * Builds a request example from a DTO's own `@ApiProperty({ example })` metadata, recursing into
 * nested DTOs, so Swagger's examples come from the same place as the validation rules.
 */
export function exampleOf(dto: Constructor): Record<string, unknown> {
  const names = (Reflect.getMetadata(PROPERTIES_ARRAY, dto.prototype) as string[] | undefined) ?? [];
  const example: Record<string, unknown> = {};
  for (const name of names.map((entry) => entry.replace(/^:/, ''))) {
    const meta = (Reflect.getMetadata(PROPERTIES, dto.prototype, name) as PropertyMetadata | undefined) ?? {};
    if (meta.example !== undefined) {
      example[name] = meta.example;
      continue;
    }
    let type = meta.type;
    if (typeof type === 'function' && !isClass(type)) type = (type as () => unknown)();
    if (Array.isArray(type) && isClass(type[0])) example[name] = [exampleOf(type[0])];
    else if (isClass(type) && !SCALAR_TYPES.includes(type)) {
      example[name] = meta.isArray ? [exampleOf(type)] : exampleOf(type);
    }
  }
  return example;
}

/** Types whose example is not built from their properties. */
const SCALAR_TYPES: unknown[] = [String, Number, Boolean, Date, Object, Array];
