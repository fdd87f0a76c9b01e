// The accessible list of every node beside the canvas: each node id is text in the page (Ctrl+F
// finds it, screen readers list it), each item a button that selects the node.
import { Model, worstSeverity } from "./data";
import { clear, h } from "./dom";

export class NodeList {
  private items = new Map<string, HTMLLIElement>();
  private current: string | null = null;

  constructor(
    readonly root: HTMLElement,
    private readonly choose: (key: string) => void,
  ) {}

  build(model: Model): void {
    clear(this.root);
    this.items.clear();
    // The main graph's nodes first, then one group per subgraph (a heading and its nodes).
    const top = h("ul", { role: "list", class: "lx-list" });
    const groups = new Map<string | null, HTMLUListElement>([[null, top]]);
    const groupItems: HTMLLIElement[] = [];
    for (const s of model.data.subgraphs) {
      const ul = h("ul", { role: "list", class: "lx-list" });
      const heading = h("button", { type: "button", class: "lx-list-heading", "data-subgraph": s.key, text: `subgraph ${s.name}` });
      heading.addEventListener("click", () => this.choose(s.key));
      groups.set(s.key, ul);
      groupItems.push(h("li", { class: "lx-group" }, heading, ul));
    }
    const frag = new Map<string | null, DocumentFragment>();
    for (const n of model.data.nodes) {
      const li = document.createElement("li");
      li.dataset.key = n.key;
      const b = document.createElement("button");
      b.type = "button";
      const id = h("span", { class: "lx-id", text: n.id });
      const op = h("span", { class: "lx-op", text: n.op });
      b.append(id, " ", op);
      const sev = worstSeverity(n.diagnostics);
      if (sev !== null) {
        b.append(" ", h("span", { class: `lx-badge lx-sev-${sev}`, text: sev }));
        b.title = n.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n");
        li.dataset.severity = sev;
      }
      if (n.capability) b.append(" ", h("span", { class: "lx-badge lx-cap", text: n.capability }));
      li.append(b);
      let f = frag.get(n.parent);
      if (f === undefined) {
        f = document.createDocumentFragment();
        frag.set(n.parent, f);
      }
      f.append(li);
      this.items.set(n.key, li);
    }
    for (const [parent, f] of frag) (groups.get(parent) ?? top).append(f);
    top.append(...groupItems);
    // One listener for all the items (10,000 of them in a big program).
    top.addEventListener("click", (e) => {
      const li = (e.target as Element).closest("li[data-key]");
      if (li instanceof HTMLLIElement && li.dataset.key !== undefined) this.choose(li.dataset.key);
    });
    this.root.append(h("h2", { class: "lx-visually-hidden", text: `Nodes (${model.size})` }), top);
    this.current = null;
  }

  mark(key: string | null): void {
    if (this.current !== null) this.items.get(this.current)?.querySelector("button")?.removeAttribute("aria-current");
    this.current = key;
    const li = key === null ? undefined : this.items.get(key);
    const b = li?.querySelector("button");
    if (b) {
      b.setAttribute("aria-current", "true");
      b.scrollIntoView({ block: "nearest" });
    }
  }

  /** Shows only the items whose id contains `query` (case-insensitive); their keys. */
  filter(query: string): string[] {
    const q = query.trim().toLowerCase();
    const hits: string[] = [];
    for (const [key, li] of this.items) {
      const id = li.querySelector(".lx-id")?.textContent ?? "";
      const hit = q === "" || id.toLowerCase().includes(q);
      li.hidden = !hit;
      if (hit && q !== "") hits.push(key);
    }
    return hits;
  }
}
