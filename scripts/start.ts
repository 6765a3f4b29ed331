// `npm start`: the production server (after `npm run build`). Uses DATABASE_URL
// and AUTH_SECRET when set; otherwise the embedded database, like dev.
import { runNext } from "./lib/app";

runNext("start").catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
