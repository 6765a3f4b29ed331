import { ApiReference } from "@scalar/nextjs-api-reference";

// The API reference, rendered by Scalar from /api/openapi.json. The script is
// served by this app (./scalar.js), not a CDN: it works offline and on
// locked-down networks.
export const GET = ApiReference({
  url: "/api/openapi.json",
  cdn: "/docs/api/scalar.js",
  pageTitle: "Dolfin API reference",
  withDefaultFonts: false,
  hideClientButton: false,
  telemetry: false,
  metaData: { title: "Dolfin API reference" },
} as Parameters<typeof ApiReference>[0]);
