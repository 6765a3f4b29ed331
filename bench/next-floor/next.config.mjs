// The bare Next.js floor's own (empty) configuration, so the app's is not picked up.
import path from "node:path";
export default { turbopack: { root: path.resolve(import.meta.dirname, "..", "..") } };
