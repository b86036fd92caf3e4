'use strict';
// A progress bar on standard error for long runs: drawn only on a terminal,
// only once a run has taken half a second, at most ten times a second, and
// erased when done, so short runs and pipes see nothing.

const SHOW_AFTER_MS = 500;
const REDRAW_MS = 100;
const BAR_WIDTH = 20;

class Progress {
  #total;
  #done = 0;
  #label = '';
  #started = performance.now();
  #lastDraw = 0;
  #drawn = false;
  #enabled;

  /** `total` units of work; `enabled` false makes every method a no-op. */
  constructor(total, enabled) {
    this.#total = Math.max(1, total);
    this.#enabled = enabled;
  }

  /** Records `units` more units done under `label`, redrawing when it is time. */
  advance(units, label = this.#label) {
    this.#done += units;
    this.#label = label;
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#started < SHOW_AFTER_MS || now - this.#lastDraw < REDRAW_MS) return;
    this.#lastDraw = now;
    this.#draw(now);
  }

  /** Erases the bar, if it was drawn. */
  done() {
    if (this.#drawn) process.stderr.write('\r\u001b[K');
    this.#drawn = false;
  }

  #draw(now) {
    const fraction = Math.min(1, this.#done / this.#total);
    const filled = Math.round(fraction * BAR_WIDTH);
    const elapsed = (now - this.#started) / 1000;
    const left = fraction > 0 ? elapsed / fraction - elapsed : 0;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    const line = `${bar} ${percent}%  ${this.#label}  ~${Math.ceil(left)} s left`;
    const columns = process.stderr.columns || 80;
    process.stderr.write(`\r\u001b[K${line.slice(0, columns - 1)}`);
    this.#drawn = true;
  }
}

module.exports = { Progress };
