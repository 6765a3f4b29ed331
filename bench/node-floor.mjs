// The bare Node.js floor: an http server that answers "ok" (run by npm run bench in its own process).
import http from "node:http";
const port = Number(process.env.PORT);
http.createServer((_req, res) => res.end("ok")).listen(port, "127.0.0.1", () => console.log(`listening ${port}`));
