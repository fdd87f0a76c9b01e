// The graph page's entry (replaced by the full page in issue 15's work): lays out the
// program graph embedded in the page as JSON with Cytoscape.js and dagre.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";

cytoscape.use(dagre);

interface GraphData {
  nodes: { id: string; op: string }[];
  edges: { source: string; target: string }[];
}

const dataElement = document.getElementById("lexis-graph-data");
const data: GraphData = dataElement ? JSON.parse(dataElement.textContent ?? "{}") : { nodes: [], edges: [] };
const container = document.getElementById("graph");
if (container) {
  cytoscape({
    container,
    elements: [
      ...data.nodes.map((n) => ({ data: { id: n.id, label: `${n.id}\n${n.op}` } })),
      ...data.edges.map((e) => ({ data: { source: e.source, target: e.target } })),
    ],
    layout: { name: "dagre", rankDir: "TB" } as cytoscape.LayoutOptions,
  });
}
