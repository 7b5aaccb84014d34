// The bench's baseline: the smallest NestJS app answering a JSON POST the way the Market route does,
// in a process of its own like the app (PORT, HOST from the environment).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('reflect-metadata');
const { Controller, Get, HttpCode, Module, Post } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

class BareController {
  handle() {
    return { version: '0.1.0', name: 'bare', time: new Date().toISOString() };
  }
  ready() {
    return 'ok';
  }
}
Controller()(BareController);
const handle = Object.getOwnPropertyDescriptor(BareController.prototype, 'handle');
Post('bare')(BareController.prototype, 'handle', handle);
HttpCode(200)(BareController.prototype, 'handle', handle);
Get('ready')(BareController.prototype, 'ready', Object.getOwnPropertyDescriptor(BareController.prototype, 'ready'));
class BareModule {}
Module({ controllers: [BareController] })(BareModule);

const app = await NestFactory.create(BareModule, { logger: false });
await app.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
