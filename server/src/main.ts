import { buildApp } from './app';
import { describeDatabase, readConfig } from './config';
import { openDatabase } from './db';
import { PRIVATE_UMASK } from './permissions';

async function main(): Promise<void> {
  process.umask(PRIVATE_UMASK);
  const config = readConfig();
  const db = await openDatabase(config.database);
  const app = await buildApp({
    db,
    bodyLimit: config.bodyLimit,
    logger: config.logger,
    secureCookies: config.secureCookies,
    trustProxy: config.trustProxy,
  });
  const address = await app.listen({ host: config.host, port: config.port });
  console.log(`Token Meter team server on ${address} (${describeDatabase(config)}). Dashboard: ${address}/dashboard`);
  const stop = async (signal: string) => {
    console.log(`${signal}: closing.`);
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(`Token Meter team server could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
