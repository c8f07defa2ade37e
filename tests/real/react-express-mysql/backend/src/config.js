const fs = require("fs");

// DATABASE_PASSWORD names the file that holds the password (a compose secret).
module.exports = {
  database: {
    host: process.env.DATABASE_HOST || "localhost",
    database: process.env.DATABASE_DB,
    user: process.env.DATABASE_USER,
    password: process.env.DATABASE_PASSWORD
      ? fs.readFileSync(process.env.DATABASE_PASSWORD, "utf8").trim()
      : null,
  },
  port: process.env.PORT || 8080,
};
