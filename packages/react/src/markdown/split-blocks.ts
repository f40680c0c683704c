/**
 * Splits Markdown into top-level blocks so a streaming answer re-parses only its last block:
 * earlier blocks are final and their rendered output is reused. Without this, every animation
 * frame would re-parse the whole answer, and a long one would cost O(length) per frame.
 * @module
 */

/** A block of Markdown and whether its code fence is still open (it is streaming). */
export interface MarkdownBlock {
  /** The block's source, without the blank lines that separate it from the next. */
  text: string;
  /** The fence (e.g. "```") that opened a code block not yet closed, if any. */
  openFence: string | undefined;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

function isBlank(line: string): boolean {
  return line.trim() === "";
}

/**
 * Splits at blank lines outside code fences. A blank line followed by an indented line, or by
 * another item of the same list, does not split (it continues the list item or loose list), so
 * lists, tables, quotes and code blocks each stay one block.
 */
export function splitBlocks(markdown: string): MarkdownBlock[] {
  const lines = markdown.split("\n");
  const blocks: MarkdownBlock[] = [];
  let current: string[] = [];
  let fence: string | undefined;
  let pendingBlank = 0;
  let listMarker: RegExp | undefined;

  const push = () => {
    if (current.length) blocks.push({ text: current.join("\n"), openFence: undefined });
    current = [];
    listMarker = undefined;
  };

  for (const line of lines) {
    if (fence !== undefined) {
      current.push(line);
      const close = FENCE.exec(line);
      if (
        close &&
        close[1]![0] === fence[0] &&
        close[1]!.length >= fence.length &&
        line.trim() === close[1]
      ) {
        fence = undefined;
      }
      continue;
    }
    if (isBlank(line)) {
      if (current.length) pendingBlank++;
      continue;
    }
    if (pendingBlank > 0) {
      const continues = /^\s/.test(line) || listMarker?.test(line) === true;
      if (continues) for (let i = 0; i < pendingBlank; i++) current.push("");
      else push();
      pendingBlank = 0;
    }
    if (current.length === 0) {
      if (/^ {0,3}[-*+] /.test(line)) listMarker = /^ {0,3}[-*+] /;
      else if (/^ {0,3}\d{1,9}[.)] /.test(line)) listMarker = /^ {0,3}\d{1,9}[.)] /;
    }
    const open = FENCE.exec(line);
    if (open) fence = open[1];
    current.push(line);
  }
  if (current.length) blocks.push({ text: current.join("\n"), openFence: fence });
  return blocks;
}
