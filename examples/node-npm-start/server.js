// Reads data/greetings.txt and prints each greeting with a human-readable age.
const fs = require('fs');
const path = require('path');
const { line } = require('./lib/format');

const file = path.join(__dirname, 'data', 'greetings.txt');
const rows = fs.readFileSync(file, 'utf8').trim().split('\n');
for (const row of rows) {
  const [text, age] = row.split('|');
  console.log(line(text, Number(age)));
}
console.log(`${rows.length} greetings served by ${require('./package.json').name}`);
