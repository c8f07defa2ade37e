// The image's HEALTHCHECK: exits 0 when /healthz answers 200.
const http = require("http");

const request = http.request(
  { host: "localhost", port: process.env.PORT || 8080, path: "/healthz", timeout: 2000 },
  (res) => process.exit(res.statusCode === 200 ? 0 : 1)
);
request.on("error", () => process.exit(1));
request.end();
