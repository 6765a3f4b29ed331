// The API reference: Swagger UI (swagger-ui-dist, pinned in the lock file)
// rendering /api/openapi.json. Its files are served by this app
// (./assets/<file>), not a CDN: it works offline and on locked-down networks.
const HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Dolfin API reference</title>
  <link rel="stylesheet" href="/docs/api/assets/swagger-ui.css">
  <style>
    body { margin: 0; background: #fafafa; }
    .dolfin-bar { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: #fff; border-bottom: 1px solid #e2e8f0; font: 600 15px system-ui, sans-serif; }
    .dolfin-bar a { color: #1d4ed8; text-decoration: none; font-weight: 500; }
    .swagger-ui .topbar { display: none; }
  </style>
</head>
<body>
  <div class="dolfin-bar"><span>Dolfin API reference</span><a href="/settings/api-keys">Back to API keys</a></div>
  <div id="swagger-ui"></div>
  <script src="/docs/api/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/api/assets/init.js"></script>
</body>
</html>`;

export function GET() {
  return new Response(HTML, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" } });
}
