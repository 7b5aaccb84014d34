import { Global, Injectable, Logger, Module, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

/**
 * A typed way for one module to reach the modules that act on what it does, without knowing them (they depend
 * on it, not the other way round). The publisher names the channel; each handler declares itself with
 * `@Handles(channel)` on the method that handles it; `src/events/wiring.ts` lists who handles what (a test keeps
 * that listing true) and docs/architecture.md draws it. Handlers run one after the other, in the order of the modules in AppModule, and are awaited.
 */
export interface Channel<Payload, Result = void> {
  readonly name: string;
  /** Types only: what a handler receives and returns. */
  readonly types?: { payload: Payload; result: Result };
}

export function channel<Payload, Result = void>(name: string): Channel<Payload, Result> {
  return { name };
}

const HANDLES = 'order-sync:handles';

interface HandlesMetadata {
  channel: string;
  key?: string;
  /** What the handler declares about its key (a delivery target's ordering policy, say). */
  options?: unknown;
}

/**
 * Declares the method as a handler of `channel` (for a keyed channel, of its `key`: one handler per key). The
 * compiler checks the method's signature against the channel's types.
 */
export function Handles<Payload, Result>(
  on: Channel<Payload, Result>,
  key?: string,
  options?: unknown,
): (target: object, name: string | symbol, descriptor: TypedPropertyDescriptor<(payload: Payload) => Promise<Result>>) => void {
  const decorate = SetMetadata(HANDLES, { channel: on.name, key, options } satisfies HandlesMetadata);
  return (target, name, descriptor) => void decorate(target, name, descriptor);
}

interface Handler {
  key?: string;
  options?: unknown;
  /** `Class.method`, for the listing. */
  owner: string;
  call: (payload: unknown) => Promise<unknown>;
}

/** Finds the handlers of every channel once the providers exist, and calls them. */
@Injectable()
export class Channels implements OnModuleInit {
  private readonly logger = new Logger('Channels');
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = (prototype as Record<string, unknown>)[method] as (...args: unknown[]) => unknown;
        const metadata = this.reflector.get<HandlesMetadata | undefined>(HANDLES, fn);
        if (!metadata) continue;
        const list = this.handlers.get(metadata.channel) ?? [];
        if (metadata.key !== undefined && list.some((h) => h.key === metadata.key)) {
          throw new Error(
            `two handlers for ${metadata.channel} ${metadata.key}: ${list.find((h) => h.key === metadata.key)!.owner} and ${prototype.constructor.name}.${method}`,
          );
        }
        list.push({
          key: metadata.key,
          options: metadata.options,
          owner: `${prototype.constructor.name}.${method}`,
          call: (payload) => Promise.resolve(fn.call(instance, payload)),
        });
        this.handlers.set(metadata.channel, list);
      }
    }
    this.logger.debug(`handlers: ${JSON.stringify(this.listing())}`);
  }

  /** Calls every handler of the channel, one after the other. */
  async publish<Payload>(on: Channel<Payload>, payload: Payload): Promise<void> {
    for (const handler of this.handlers.get(on.name) ?? []) await handler.call(payload);
  }

  /** The handler of `key` on a keyed channel, if there is one. */
  handlerOf<Payload, Result>(on: Channel<Payload, Result>, key: string): ((payload: Payload) => Promise<Result>) | undefined {
    const handler = this.handlers.get(on.name)?.find((h) => h.key === key);
    return handler && ((payload: Payload) => handler.call(payload) as Promise<Result>);
  }

  /** What the handler of `key` on a keyed channel declared with it (see Handles), if there is one. */
  optionsOf(on: Channel<unknown, unknown>, key: string): unknown {
    return this.handlers.get(on.name)?.find((h) => h.key === key)?.options;
  }

  /** The keys that have a handler on a keyed channel. */
  keysOf(on: Channel<unknown, unknown>): string[] {
    return (this.handlers.get(on.name) ?? []).map((h) => h.key!).filter((key) => key !== undefined);
  }

  /** Channel → its handlers (`Class.method`, with the key of a keyed channel): what src/events/wiring.ts lists. */
  listing(): Record<string, string[]> {
    return Object.fromEntries([...this.handlers].map(([name, list]) => [name, list.map((h) => (h.key === undefined ? h.owner : `${h.key}: ${h.owner}`))]));
  }
}

@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [Channels],
  exports: [Channels],
})
export class ChannelsModule {}
