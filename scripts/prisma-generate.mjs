// `prisma generate` without network: the CLI insists on a schema-engine binary
// path before it generates, although generating never runs it. Any existing
// file satisfies it; the client itself uses @prisma/adapter-pg (no engine).
import { spawnSync } from "node:child_process";
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ||= process.execPath;
const r = spawnSync("npx", ["--no-install", "prisma", "generate"], { stdio: "inherit", env });
process.exit(r.status ?? 1);
