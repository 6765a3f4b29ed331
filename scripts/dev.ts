import { runNext } from "./lib/app";

runNext("dev").catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
