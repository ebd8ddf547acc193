// Reads a JSON array of SPDX license expressions on stdin and prints, as a JSON array, those that are
// not valid SPDX 2.3 expressions: unknown license or exception ids, a bare exception id, bad syntax.
// Uses Debian's node-spdx-expression-parse (with node-spdx-license-ids and node-spdx-exceptions),
// the license and exception lists of the SPDX project. Run with NODE_PATH=/usr/share/nodejs.
'use strict';
const parse = require('spdx-expression-parse');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const invalid = [];
  for (const expression of JSON.parse(input)) {
    try {
      parse(expression);
    } catch (e) {
      invalid.push(`${expression}: ${e.message}`);
    }
  }
  process.stdout.write(JSON.stringify(invalid));
});
