import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__embeddedTestDatabase;
  globalThis.__embeddedTestDatabase = undefined; // each project runs the teardown: stop it once
  if (!embedded) return;
  await embedded.server.stop();
  // Its data directory (about 55 MB) would otherwise stay in the temp folder after every run.
  rmSync(embedded.dataDir, { recursive: true, force: true });
}
