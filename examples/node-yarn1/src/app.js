'use strict';
// Counts the words of corpus/*.txt and prints the most frequent ones.
const fs = require('fs');
const path = require('path');
const ms = require('ms');

const argv = process.argv.slice(2);
const top = Number(argv[argv.indexOf('--top') + 1] || 5);
const dir = path.join(__dirname, '..', 'corpus');
const counts = new Map();
let files = 0;
for (const name of fs.readdirSync(dir).sort()) {
  if (!name.endsWith('.txt')) continue;
  files += 1;
  for (const w of fs.readFileSync(path.join(dir, name), 'utf8').toLowerCase().match(/[a-z']+/g) || []) {
    counts.set(w, (counts.get(w) || 0) + 1);
  }
}
const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, top);
for (const [word, n] of ranked) console.log(`${String(n).padStart(3)} ${word}`);
console.log(`${counts.size} distinct words in ${files} files; reading time ${ms(counts.size * 250, { long: true })}`);
