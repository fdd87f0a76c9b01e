// The dagre layout library as the page uses it: the copy bundled inside cytoscape-dagre, reached
// through esbuild.js's virtual module "lexis-dagre" (only what the page calls is declared).
declare module "lexis-dagre" {
  interface NodeLabel {
    width: number;
    height: number;
    x?: number;
    y?: number;
  }
  interface EdgeLabel {
    minlen?: number;
    weight?: number;
  }
  class Graph {
    constructor(options?: { directed?: boolean; multigraph?: boolean; compound?: boolean });
    setGraph(label: Record<string, unknown>): this;
    setDefaultEdgeLabel(fn: () => EdgeLabel): this;
    setNode(name: string, label: NodeLabel): this;
    setEdge(v: string, w: string, label: EdgeLabel, name?: string): this;
    node(name: string): NodeLabel;
  }
  const dagre: {
    graphlib: { Graph: typeof Graph };
    layout(
      graph: Graph,
      options?: {
        disableOptimalOrderHeuristic?: boolean;
        /** Added by esbuild.js's patch: no rank doubling to make room for edge labels. */
        noEdgeLabels?: boolean;
        debugTiming?: boolean;
      },
    ): void;
  };
  export default dagre;
}
