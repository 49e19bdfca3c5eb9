const fs = require("fs");
fs.mkdirSync("public", { recursive: true });
fs.writeFileSync("public/app.css", "body { color: teal; }\n");
