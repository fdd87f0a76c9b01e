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

// The page runs dagre itself (on a plain graph of the nodes' known sizes, then adds the
// elements to Cytoscape.js at their positions): no layout through cytoscape-dagre, which reads
// every node's size from Cytoscape's style and bounding boxes (half of the layout's time at
// 1,000 nodes). Dagre is the copy bundled inside cytoscape-dagre's module, reached as the
// virtual module "lexis-dagre" (typed in webview/dagre.d.ts). Two patches of that module, each
// failing the build if the text it patches changes:
//   - it exports dagre itself (`To`) instead of the Cytoscape.js extension;
//   - with disableOptimalOrderHeuristic (one ordering pass, used above a few hundred nodes),
//     dagre's order() returns before it builds the per-layer graphs that only its sweeps use
//     (two graphs per layer: a tenth of the layout's time on a 750-layer graph). The result is
//     the same: those graphs are read by nothing else.
const dagreModule = {
  name: "lexis-dagre",
  setup(build) {
    const pkg = require.resolve("cytoscape-dagre/package.json", { paths: [__dirname] });
    const file = path.join(path.dirname(pkg), "dist", "cytoscape-dagre.mjs");
    build.onResolve({ filter: /^lexis-dagre$/ }, () => ({ path: file, namespace: "lexis-dagre" }));
    build.onLoad({ filter: /.*/, namespace: "lexis-dagre" }, async () => {
      let text = await fs.promises.readFile(file, "utf8");
      const patch = (from, to) => {
        if (text.split(from).length !== 2) throw new Error(`${file}: expected one \`${from}\` to patch`);
        text = text.replace(from, to);
      };
      patch("export { register as default };", "export { To as default };");
      patch(
        'let t=X(e),r=sn(e,k(1,t+1),"inEdges"),o=sn(e,k(t-1,-1,-1),"outEdges"),i=re(e);if(an(e,i),n.disableOptimalOrderHeuristic)return;',
        'let t=X(e),i=re(e);if(an(e,i),n.disableOptimalOrderHeuristic)return;let r=sn(e,k(1,t+1),"inEdges"),o=sn(e,k(t-1,-1,-1),"outEdges");',
      );
      patch(
        'function Dt(e,n,t){n("    makeSpaceForEdgeLabels",()=>Ut(e)),',
        'function Dt(e,n,t){t.noEdgeLabels||n("    makeSpaceForEdgeLabels",()=>Ut(e)),',
      );
      // ... then an edge between adjacent ranks has no dummy node, so no list of points: it
      // gets an empty one (which later steps translate), and no intersection points from it.
      patch("a=e.edge(n),d=a.labelRank;if(i===r+1)return;", "a=e.edge(n),d=a.labelRank;if(i===r+1){a.points=a.points||[];return}");
      patch(
        "function Zt(e){e.edges().forEach(n=>{let t=e.edge(n),r=e.node(n.v),o=e.node(n.w),i,s;t.points?(",
        "function Zt(e){e.edges().forEach(n=>{let t=e.edge(n),r=e.node(n.v),o=e.node(n.w),i,s;t.points&&t.points.length?(",
      );
      // Brandes-Köpf positioning looks for "type 2" conflicts (with the border nodes of compound
      // graphs) by scanning the rest of a layer once per node of it: quadratic in the layer's
      // width, a quarter of the positioning on a wide graph. In a graph without border nodes it
      // cannot find any (a conflict needs a predecessor's order outside [-1, layer length]),
      // so it returns at once there; the result is the same.
      patch("function _t(e,n){let t={};", 'function _t(e,n){let t={};if(!n.some(q=>q.some(v=>e.node(v).dummy==="border")))return t;');
      // Positioning starts from a copy of the layout graph without its compound nodes; a graph
      // with none (no node has children) is positioned as it is: the same nodes, edges and
      // labels (the copy shares the labels it writes x and y to), without copying ~3,000
      // nodes and edges.
      patch("function un(e){e=A(e),Ft(e),", "function un(e){e=e.nodes().some(v=>e.children(v).length)?A(e):e,Ft(e),");
      return { contents: text, loader: "js", resolveDir: path.dirname(file) };
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
  plugins: [dagreModule],
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
