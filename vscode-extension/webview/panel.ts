// The side panel: everything about the selected node (or subgraph): id, op and category, inputs,
// consumers, value or error value with its cause chain, duration, content hash, capability, the
// subgraph it calls, its diagnostics and where it is in the source.
import { type Finding, Model, type Trace } from "./data";
import { clear, h } from "./dom";

export interface PanelActions {
  navigate(key: string): void;
  toggleCollapse(key: string): void;
  isCollapsed(key: string): boolean;
}

function row(list: HTMLElement, field: string, label: string, value: Node | string): void {
  list.append(h("dt", { text: label }), h("dd", { "data-field": field }, value));
}

/** Buttons naming `keys` (a node in another subgraph than `current` by its key "sub/id"). */
function keyButtons(model: Model, keys: readonly string[], actions: PanelActions, current: string | null = null): Node {
  if (keys.length === 0) return document.createTextNode("none");
  const wrap = h("span", { class: "lx-links" });
  for (const k of keys) {
    const n = model.byKey.get(k);
    const s = model.subgraphByKey.get(k);
    const text = n ? (n.parent !== null && n.parent !== current ? n.key : n.id) : s ? `subgraph ${s.name}` : k;
    const b = h("button", { type: "button", class: "lx-link", "data-key": k, text });
    b.addEventListener("click", () => actions.navigate(k));
    wrap.append(b);
  }
  return wrap;
}

function findings(list: readonly Finding[]): Node {
  const ul = h("ul", { class: "lx-findings" });
  for (const f of list) {
    ul.append(
      h(
        "li",
        { class: `lx-sev-${f.severity}` },
        h("span", { class: "lx-sev", text: f.severity }),
        " ",
        h("code", { text: f.code }),
        " ",
        f.message,
      ),
    );
  }
  return ul;
}

export function renderPanel(
  panel: HTMLElement,
  model: Model,
  key: string | null,
  trace: Trace | null,
  actions: PanelActions,
): void {
  clear(panel);
  const node = key === null ? undefined : model.byKey.get(key);
  const sub = key === null ? undefined : model.subgraphByKey.get(key);
  if (node === undefined && sub === undefined) {
    panel.append(
      h("h2", { text: "No node selected" }),
      h("p", { class: "lx-hint", text: "Click a node in the graph or in the list to see its inputs, value and hash." }),
    );
    return;
  }
  const dl = h("dl");
  if (sub !== undefined) {
    panel.dataset.key = sub.key;
    panel.append(h("h2", {}, "subgraph ", h("span", { "data-field": "id", text: sub.name })));
    const children = model.children.get(sub.key) ?? [];
    row(dl, "nodes", "Nodes", String(children.length));
    row(dl, "callers", "Called by", keyButtons(model, model.callers.get(sub.key) ?? [], actions));
    row(dl, "hash", "Content hash", h("code", { class: "lx-hash", text: sub.hash ?? "—" }));
    if (sub.diagnostics && sub.diagnostics.length > 0) row(dl, "diagnostics", "Diagnostics", findings(sub.diagnostics));
    row(dl, "line", "Source", `line ${sub.range.start.line + 1}`);
    panel.append(dl);
    const collapsed = actions.isCollapsed(sub.key);
    const b = h("button", { type: "button", id: "lexis-collapse", text: collapsed ? "Expand subgraph" : "Collapse subgraph" });
    b.addEventListener("click", () => actions.toggleCollapse(sub.key));
    panel.append(b);
    return;
  }
  if (node === undefined) return;
  panel.dataset.key = node.key;
  panel.append(h("h2", {}, h("span", { "data-field": "id", text: node.id })));
  const cat = model.categories.get(node.category);
  row(
    dl,
    "op",
    "Op",
    h("span", {}, h("code", { text: node.op }), ` (${cat ? cat.label : node.category})`),
  );
  if (node.parent !== null) row(dl, "parent", "In", keyButtons(model, [node.parent], actions));
  const producers = model.producers.get(node.key) ?? [];
  const inputs =
    node.inputs.length === 0
      ? document.createTextNode("none")
      : h(
          "span",
          { class: "lx-links" },
          ...node.inputs.map((id) => {
            const target = producers.find((k) => model.byKey.get(k)?.id === id);
            if (target === undefined) return h("code", { class: "lx-missing", text: id, title: "no node has this id" });
            const b = h("button", { type: "button", class: "lx-link", "data-key": target, text: id });
            b.addEventListener("click", () => actions.navigate(target));
            return b;
          }),
        );
  row(dl, "inputs", "Inputs", inputs);
  row(dl, "consumers", "Consumers", keyButtons(model, model.consumers.get(node.key) ?? [], actions, node.parent));
  if (node.calls !== null) {
    const target = model.calls.get(node.key);
    row(dl, "calls", "Calls", target !== undefined ? keyButtons(model, [target], actions) : h("code", { text: node.calls }));
  }
  const tv = trace?.values[node.key];
  if (tv !== undefined) {
    row(dl, "value", tv.error ? "Error value" : "Value", h("pre", { class: tv.error ? "lx-value lx-error-value" : "lx-value", text: tv.value }));
    if (tv.error && tv.error.causes.length > 0) {
      const ol = h("ol", { class: "lx-causes" });
      for (const c of tv.error.causes) ol.append(h("li", { text: c }));
      row(dl, "causes", "Caused by", ol);
    }
    if (tv.durationMs !== null && tv.durationMs !== undefined) row(dl, "duration", "Duration", `${tv.durationMs.toFixed(3)} ms`);
  } else if (trace !== null) {
    row(dl, "value", "Value", h("span", { class: "lx-hint", text: node.parent !== null ? "not traced (inside a subgraph)" : "not computed in this run" }));
  }
  row(dl, "hash", "Content hash", h("code", { class: "lx-hash", text: node.hash ?? tv?.hash ?? "—" }));
  if (node.capability !== null) row(dl, "capability", "Capability", h("code", { text: node.capability }));
  if (node.diagnostics.length > 0) row(dl, "diagnostics", "Diagnostics", findings(node.diagnostics));
  row(dl, "line", "Source", `line ${node.range.start.line + 1}`);
  panel.append(dl);
}
