// Next.js' incremental cache in Valkey/Redis, shared by every replica.
import { CacheHandler } from "@neshca/cache-handler";
import createRedisHandler from "@neshca/cache-handler/redis-strings";
import { createClient } from "redis";

CacheHandler.onCreation(async () => {
  const client = createClient({ url: process.env.REDIS_URL });
  await client.connect();
  return { handlers: [createRedisHandler({ client, keyPrefix: "storefront:" })] };
});

export default CacheHandler;
