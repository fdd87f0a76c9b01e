// Copies the repository's examples/*.lexis.json next to their grammar snapshots in
// test/grammar/snap/ (vscode-tmgrammar-snap keeps each `.snap` beside its source). The copies
// are not committed; the `.snap` files are. A snapshot whose example is gone is reported.
const fs = require("fs");
const path = require("path");

const examples = path.resolve(__dirname, "..", "..", "examples");
const snapDir = path.resolve(__dirname, "..", "test", "grammar", "snap");

if (!fs.existsSync(examples)) {
  console.error(`sync-examples: ${examples} not found`);
  process.exit(1);
}
fs.mkdirSync(snapDir, { recursive: true });
const names = fs.readdirSync(examples).filter((n) => n.endsWith(".lexis.json")).sort();
for (const stale of fs.readdirSync(snapDir)) {
  if (stale.endsWith(".lexis.json") && !names.includes(stale)) {
    fs.rmSync(path.join(snapDir, stale));
  }
}
for (const name of names) {
  fs.copyFileSync(path.join(examples, name), path.join(snapDir, name));
}
const orphans = fs
  .readdirSync(snapDir)
  .filter((n) => n.endsWith(".lexis.json.snap") && !names.includes(n.slice(0, -".snap".length)));
if (orphans.length && !process.argv.includes("--prune")) {
  console.error(
    `sync-examples: snapshots without an example: ${orphans.join(", ")} (npm run test:grammar:update removes them)`,
  );
  process.exit(1);
}
for (const orphan of orphans) fs.rmSync(path.join(snapDir, orphan));
console.log(`sync-examples: ${names.length} examples -> ${path.relative(process.cwd(), snapDir)}`);
