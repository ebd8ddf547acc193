// Reads a JSON array of CycloneDX 1.6 JSON files on stdin and prints, as a JSON object, the errors
// CycloneDX's own strict validator (@cyclonedx/cyclonedx-library, JsonStrictValidator: the 1.6
// schema with no additional properties, and the formats: date-time, iri-reference, email, ...)
// finds in each file that fails; an empty object when all pass. The library is installed, pinned,
// by scripts/fetch-npm.sh tests/sbom/cyclonedx: run with NODE_PATH set to that node_modules.
'use strict';
const fs = require('fs');
const CDX = require('@cyclonedx/cyclonedx-library');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const validator = new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6);
  const failures = {};
  for (const path of JSON.parse(input)) {
    const errors = await validator.validate(fs.readFileSync(path, 'utf8'));
    if (errors !== null) {
      failures[path] = errors;
    }
  }
  process.stdout.write(JSON.stringify(failures));
});
