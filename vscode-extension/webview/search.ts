// Search by id: filters the list, marks the matches on the canvas, Enter selects the first one.
import { h } from "./dom";

export interface SearchTarget {
  filter(query: string): string[];
  mark(keys: string[]): void;
  choose(key: string): void;
}

export function searchBox(target: SearchTarget): HTMLElement {
  const input = h("input", {
    id: "lexis-search",
    type: "search",
    placeholder: "Find node id…",
    "aria-label": "Find a node by id",
    autocomplete: "off",
    spellcheck: "false",
  });
  const status = h("span", { id: "lexis-search-status", class: "lx-status", "aria-live": "polite" });
  let hits: string[] = [];
  const update = (): void => {
    hits = target.filter(input.value);
    target.mark(hits);
    status.textContent = input.value.trim() === "" ? "" : `${hits.length} match${hits.length === 1 ? "" : "es"}`;
  };
  input.addEventListener("input", update);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      update();
      const exact = hits.find((k) => k === input.value.trim());
      const first = exact ?? hits[0];
      if (first !== undefined) target.choose(first);
    } else if (e.key === "Escape") {
      input.value = "";
      update();
    }
  });
  return h("span", { class: "lx-search" }, input, status);
}
