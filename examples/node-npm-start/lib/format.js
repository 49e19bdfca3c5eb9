const ms = require('ms');

/** One output line: the greeting and how long ago it was written. */
function line(text, ageMs) {
  return `${text.padEnd(12)} ${ms(ageMs, { long: true })} ago`;
}

module.exports = { line };
