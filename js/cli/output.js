'use strict';
// Text output of the command line: colours (only on a terminal, never with
// NO_COLOR), aligned columns, and numbers people can read.

const path = require('node:path');

const PREFIX = '[alloy-wasm]';

const CODES = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] };

/** Whether text written to `stream` may carry ANSI colours (https://no-color.org). */
function colourful(stream) {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** A set of colour functions for `stream`; each is the identity when colours are off. */
function styleFor(stream) {
  const on = colourful(stream);
  const style = {};
  for (const [name, [open, close]] of Object.entries(CODES)) {
    style[name] = on ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => String(text);
  }
  return style;
}

const out = styleFor(process.stdout);
const err = styleFor(process.stderr);

/** Code point ranges a terminal draws two columns wide (CJK, Hangul, fullwidth forms, emoji). */
const WIDE = [
  [0x1100, 0x115f], [0x2e80, 0xa4cf], [0xac00, 0xd7a3], [0xf900, 0xfaff], [0xfe30, 0xfe4f],
  [0xff00, 0xff60], [0xffe0, 0xffe6], [0x1f300, 0x1f64f], [0x1f900, 0x1f9ff], [0x20000, 0x3fffd],
];
/** Code points that take no column of their own (combining marks, joiners, variation selectors). */
const ZERO = [[0x0300, 0x036f], [0x200b, 0x200f], [0xfe00, 0xfe0f]];

const within = (ranges, cp) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);

/** The columns `text` takes on a terminal (ANSI colour codes take none). */
function width(text) {
  let columns = 0;
  // eslint-disable-next-line no-control-regex
  for (const ch of String(text).replace(/\u001b\[\d+m/g, '')) {
    const cp = ch.codePointAt(0);
    columns += within(ZERO, cp) ? 0 : within(WIDE, cp) ? 2 : 1;
  }
  return columns;
}

function padEnd(text, size) {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

function padStart(text, size) {
  return ' '.repeat(Math.max(0, size - width(text))) + text;
}

/**
 * Rows of cells as aligned text lines. `align` gives 'left' or 'right' per
 * column (left by default); `indent` is prepended to every line.
 */
function table(rows, { align = [], indent = '', gap = '  ' } = {}) {
  const widths = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, width(cell)); });
  return rows.map((row) => {
    const cells = row.map((cell, i) => {
      if (i === row.length - 1 && align[i] !== 'right') return String(cell); // no trailing spaces
      return align[i] === 'right' ? padStart(String(cell), widths[i]) : padEnd(String(cell), widths[i]);
    });
    return (indent + cells.join(gap)).replace(/\s+$/, '');
  });
}

/** 1536 -> '1.5 KiB'. */
function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A duration in nanoseconds with three significant digits: '812 ns', '1.37 µs', '21.1 ms'. */
function formatNs(ns) {
  const units = [['s', 1e9], ['ms', 1e6], ['µs', 1e3]];
  for (const [unit, size] of units) {
    if (ns >= size) return `${threeDigits(ns / size)} ${unit}`;
  }
  return `${threeDigits(ns)} ns`;
}

/** A duration in milliseconds: '3.21 ms'. */
function formatMs(ms) {
  return formatNs(ms * 1e6);
}

function threeDigits(value) {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** 1234567 -> '1,234,567'. */
function formatCount(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** `text` cut to `max` characters, with an ellipsis when it was longer. */
function cut(text, max = 60) {
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
}

/** `text` quoted as JSON, cut to `max` characters. */
function quote(text, max = 60) {
  return JSON.stringify(cut(text, max));
}

/** `file` relative to the working directory when it is inside it, else as it is. */
function displayPath(file) {
  if (file === null || file === undefined) return '';
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** Writes lines to standard output. */
function print(...lines) {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Writes a message to standard error, prefixed with [alloy-wasm]. */
function printError(message, ...more) {
  process.stderr.write(`${err.red(PREFIX)} ${message}\n${more.map((line) => `${line}\n`).join('')}`);
}

module.exports = {
  PREFIX,
  out,
  err,
  colourful,
  table,
  padEnd,
  padStart,
  width,
  formatBytes,
  formatNs,
  formatMs,
  formatCount,
  cut,
  quote,
  displayPath,
  print,
  printError,
};
