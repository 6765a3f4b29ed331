import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unreachableForPostgres } from "./embedded";

describe("unreachableForPostgres", () => {
  it.runIf(process.getuid?.() === 0)("as root, names the first folder the postgres user cannot enter", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "dolfin-reach-"));
    try {
      fs.chmodSync(base, 0o755);
      const priv = path.join(base, "private");
      fs.mkdirSync(path.join(priv, "repo", "node_modules"), { recursive: true });
      fs.chmodSync(priv, 0o700);
      expect(unreachableForPostgres([path.join(priv, "repo", "node_modules")])).toBe(priv);
      // A data folder that does not exist yet, under a reachable parent: fine.
      expect(unreachableForPostgres([path.join(base, "not-yet", "pg")])).toBeNull();
      fs.chmodSync(priv, 0o711);
      expect(unreachableForPostgres([path.join(priv, "repo", "node_modules")])).toBeNull();
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
  it("as anyone else, there is nothing to check", () => {
    if (process.getuid?.() === 0) return;
    expect(unreachableForPostgres(["/root/anything"])).toBeNull();
  });
});
