// Trace playback: steps through the run's schedule order (step, play/pause, speed, reset),
// calling `show` with the current node (null before the first step).
import type { Trace } from "./data";
import { h } from "./dom";

const SPEEDS: [string, number][] = [
  ["0.5×", 1200],
  ["1×", 600],
  ["2×", 300],
  ["4×", 150],
  ["10×", 60],
];

export class Playback {
  readonly root: HTMLElement;
  private index = -1;
  private timer: number | null = null;
  private trace: Trace | null = null;
  private readonly step: HTMLButtonElement;
  private readonly play: HTMLButtonElement;
  private readonly reset: HTMLButtonElement;
  private readonly speed: HTMLSelectElement;
  private readonly status: HTMLElement;

  constructor(private readonly show: (key: string | null, index: number, trace: Trace) => void) {
    this.step = h("button", { type: "button", id: "lexis-step", text: "Step", title: "Evaluate the next node" });
    this.play = h("button", { type: "button", id: "lexis-play", text: "Play", "aria-pressed": "false" });
    this.reset = h("button", { type: "button", id: "lexis-reset", text: "Reset", title: "Back to before the first node" });
    this.speed = h("select", { id: "lexis-speed", "aria-label": "Playback speed" });
    for (const [label, ms] of SPEEDS) this.speed.append(h("option", { value: String(ms), text: label }));
    this.speed.value = "600";
    this.status = h("span", { id: "lexis-playback-status", class: "lx-status", "aria-live": "polite" });
    this.root = h(
      "div",
      { id: "lexis-playback", class: "lx-playback", role: "group", "aria-label": "Trace playback" },
      h("span", { class: "lx-label", text: "Run:" }),
      this.step,
      this.play,
      this.speed,
      this.reset,
      this.status,
    );
    this.step.addEventListener("click", () => {
      this.pause();
      this.next();
    });
    this.play.addEventListener("click", () => (this.timer === null ? this.start() : this.pause()));
    this.reset.addEventListener("click", () => this.goTo(-1));
    this.speed.addEventListener("change", () => {
      if (this.timer !== null) {
        this.pause();
        this.start();
      }
    });
    this.root.hidden = true;
  }

  setTrace(trace: Trace | null): void {
    this.pause();
    this.trace = trace;
    this.root.hidden = trace === null;
    this.index = -1;
    this.describe();
  }

  get position(): number {
    return this.index;
  }

  private next(): boolean {
    if (this.trace === null || this.index + 1 >= this.trace.order.length) return false;
    this.goTo(this.index + 1);
    return true;
  }

  goTo(index: number): void {
    if (this.trace === null) return;
    if (index < 0) this.pause();
    this.index = Math.max(-1, Math.min(index, this.trace.order.length - 1));
    const key = this.index >= 0 ? (this.trace.order[this.index] ?? null) : null;
    this.describe();
    this.show(key, this.index, this.trace);
  }

  private start(): void {
    if (this.trace === null) return;
    if (this.index + 1 >= this.trace.order.length) this.goTo(-1);
    this.play.textContent = "Pause";
    this.play.setAttribute("aria-pressed", "true");
    this.timer = window.setInterval(() => {
      // Paused as soon as the last node is shown (not one tick later).
      if (!this.next() || this.trace === null || this.index + 1 >= this.trace.order.length) this.pause();
    }, Number(this.speed.value));
  }

  pause(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "Play";
    this.play.setAttribute("aria-pressed", "false");
  }

  private describe(): void {
    const t = this.trace;
    if (t === null) {
      this.status.textContent = "";
      return;
    }
    const total = t.order.length;
    this.step.disabled = this.index + 1 >= total;
    if (this.index < 0) {
      const how = t.status === "ok" ? "finished" : t.status === "error" ? "finished with error values" : `stopped${t.reason ? `: ${t.reason}` : ""}`;
      this.status.textContent = `${total} nodes evaluated; run ${how}. Step or Play to replay it.`;
      return;
    }
    const key = t.order[this.index] ?? "";
    const v = t.values[key];
    const text = v === undefined ? "" : v.value.length > 120 ? `${v.value.slice(0, 119)}…` : v.value;
    this.status.textContent = "";
    this.status.append(`Step ${this.index + 1}/${total}: `, h("code", { class: "lx-current-id", text: key }), ` = ${text}`);
  }
}
