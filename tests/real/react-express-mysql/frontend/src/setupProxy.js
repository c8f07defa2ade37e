// The development server sends /api to the backend container.
const { createProxyMiddleware } = require("http-proxy-middleware");

module.exports = (app) => {
  app.use("/api", createProxyMiddleware({ target: "http://backend:80" }));
};
