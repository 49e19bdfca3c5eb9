const isNumber = require('is-number');
if (!isNumber('3')) throw new Error('is-number broken');
console.log('ok');
