// The todo API: Express on port 3000, MongoDB through mongoose at the URL
// DATABASE_URL names (mongodb://mongo:27017/todos in the compose file).
const express = require("express");
const bodyParser = require("body-parser");
const cors = require("cors");
const mongoose = require("mongoose");

const Todo = mongoose.model("Todo", new mongoose.Schema({ text: String, done: Boolean }));
const app = express();
app.use(cors());
app.use(bodyParser.json());

app.get("/api/todos", async (_req, res) => res.json(await Todo.find()));
app.post("/api/todos", async (req, res) => res.status(201).json(await Todo.create(req.body)));

mongoose.connect(process.env.DATABASE_URL || "mongodb://mongo:27017/todos").then(() => {
  const server = app.listen(3000, () => console.log("Server is up on port", 3000));
  process.on("SIGTERM", () => server.close(() => mongoose.disconnect()));
});
