// Bundles the extension and the graph page:
//   - src/extension.ts (and vscode-languageclient) -> dist/extension.js (Node, CommonJS);
//   - webview/main.ts (Cytoscape.js + dagre, the graph page's script, with its CSS) ->
//     dist/graph.js + dist/graph.css (browser, one IIFE). The production build also copies
//     them to ../lexis_ls/viz/static/ (`node esbuild.js --production --page`: the page alone), where `lexis viz` inlines them into its HTML page, so
//     the Python package carries the same page without needing Node.
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");
// --page: the graph page alone. --outdir=DIR (with --page): the page into DIR and nowhere else
// (tests/viz/test_bundle.py compares a fresh build with the committed lexis_ls/viz/static).
const outdirArg = process.argv.find((a) => a.startsWith("--outdir="));
const pageOnly = process.argv.includes("--page") || outdirArg !== undefined;

const extension = {
  entryPoints: ["src/extension.ts"],
  bundle: true,
  format: "cjs",
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  platform: "node",
  target: "node18",
  outfile: "dist/extension.js",
  external: ["vscode"],
  logLevel: "info",
};

// cytoscape-dagre calls dagre's layout(g) without options, so dagre's own switch for skipping
// the crossing-reduction sweeps (disableOptimalOrderHeuristic) cannot be reached; the page uses
// it above a few hundred nodes, where the sweeps take most of the layout's time. This patch
// passes the layout's `dagreLayout` option through, and fails the build if the call changes.
const dagreOptions = {
  name: "dagre-layout-options",
  setup(build) {
    build.onLoad({ filter: /cytoscape-dagre[\\/]dist[\\/]cytoscape-dagre\.mjs$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, "utf8");
      const call = "To.layout(g);";
      if (text.split(call).length !== 2) {
        throw new Error(`${args.path}: expected one \`${call}\` to pass dagre's options through`);
      }
      return { contents: text.replace(call, "To.layout(g, options.dagreLayout || {});"), loader: "js" };
    });
  },
};

const page = {
  entryPoints: { graph: "webview/main.ts" },
  bundle: true,
  format: "iife",
  minify: production,
  sourcemap: false,
  platform: "browser",
  target: "es2020",
  outdir: "dist",
  legalComments: "inline",
  logLevel: "info",
  plugins: [dagreOptions],
};

function copyPageToPython() {
  const dest = path.join(__dirname, "..", "lexis_ls", "viz", "static");
  fs.mkdirSync(dest, { recursive: true });
  for (const name of ["graph.js", "graph.css"]) {
    const from = path.join(__dirname, "dist", name);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(dest, name));
  }
}

async function main() {
  if (outdirArg !== undefined) page.outdir = path.resolve(outdirArg.slice("--outdir=".length));
  const builds = pageOnly ? [page] : [extension, page];
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  for (const c of contexts) {
    await c.rebuild();
    await c.dispose();
  }
  if (production && outdirArg === undefined) copyPageToPython();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
