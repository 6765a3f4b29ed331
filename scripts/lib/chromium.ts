// Playwright cannot download its browser on these machines: the e2e suite uses
// the system Chromium (Debian package `chromium`), installed here when missing.
import { spawnSync } from "node:child_process";

export function chromiumPath(): string | null {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const bin of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = spawnSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

export function ensureChromium(): string {
  let found = chromiumPath();
  if (found) return found;
  if (process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0) {
    console.log("\n▶ installing Chromium for the e2e tests (apt-get install -y chromium)");
    spawnSync("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null"], { stdio: "inherit" });
    found = chromiumPath();
    if (found) return found;
  }
  throw new Error("Chromium is required for the e2e tests: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH.");
}
