// Copies the repository's JSON Schema (schema/lexis.schema.json) into the extension, so that
// the packaged VSIX carries it for the `jsonValidation` contribution. Never edit the copy.
const fs = require("fs");
const path = require("path");

const source = path.resolve(__dirname, "..", "..", "schema", "lexis.schema.json");
const target = path.resolve(__dirname, "..", "schemas", "lexis.schema.json");

if (!fs.existsSync(source)) {
  if (fs.existsSync(target)) {
    console.warn(`copy-schema: ${source} not found; keeping ${target}`);
    process.exit(0);
  }
  console.error(`copy-schema: ${source} not found`);
  process.exit(1);
}
JSON.parse(fs.readFileSync(source, "utf8")); // fail early on a broken schema
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(source, target);
console.log(`copy-schema: ${path.relative(process.cwd(), source)} -> ${path.relative(process.cwd(), target)}`);
