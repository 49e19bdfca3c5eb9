const test = require('node:test');
const assert = require('node:assert');
const isNumber = require('is-number');
const { line } = require('../lib/format');

test('line', () => {
  assert.ok(isNumber(90000));
  assert.match(line('hello', 90000), /2 minutes ago/);
});
