import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Channels } from '../src/events/channels';
import { WIRING } from '../src/events/wiring';
import { startTestApp, type TestApp } from './support/test-app';

/** The listing of who handles what (src/events/wiring.ts) is what the app runs. */
describe('wiring', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SANDBOX: 'true', PORT: '39999', HOST: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('matches the handlers the app finds, in the order they run', () => {
    const listed = Object.fromEntries(Object.entries(WIRING).map(([name, handlers]) => [name, handlers.map((h) => h.replace(/ \(.*\)$/, ''))]));
    expect(t.app.get(Channels).listing()).toEqual(listed);
  });
});
