const app = require("./server");
const { port } = require("./config");

const server = app.listen(port, () => console.log(`listening on ${port}`));

// Node is PID 1 in the container: close the server on docker stop or ctrl-c.
function shutdown() {
  server.close((err) => process.exit(err ? 1 : 0));
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
