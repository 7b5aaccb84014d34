export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__embeddedTestDatabase;
  globalThis.__embeddedTestDatabase = undefined; // each project runs the teardown: stop it once
  await server?.stop();
}
