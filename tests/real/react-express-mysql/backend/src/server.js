const express = require("express");
const db = require("./database");

const app = express();

app.get("/healthz", (req, res) => res.send("ok"));

app.get("/api/greeting", async (req, res, next) => {
  try {
    const [rows] = await db.raw("SELECT 'hello' AS greeting");
    res.json(rows[0]);
  } catch (err) {
    next(err);
  }
});

module.exports = app;
