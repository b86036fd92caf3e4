'use strict';
// Printing a call's result: byte for byte into a pipe or file, with a final
// newline added on a terminal so the prompt does not stick to it.

function writeResult(text) {
  const newline = process.stdout.isTTY && !text.endsWith('\n') ? '\n' : '';
  process.stdout.write(text + newline);
}

module.exports = { writeResult };
