// Shows a sequence of frames (src/cli/progress-frame.ts). On a terminal the frame is redrawn in
// place: the cursor moves up over the previous frame, each line is rewritten and cleared to its
// end, leftovers below are erased; the cursor is hidden meanwhile and shown again at the end (or
// on Ctrl-C). Elsewhere each event line whose text changed is printed once, with a timestamp.

import type { Output } from './output.js';
import type { Frame } from './progress-frame.js';

export const HIDE_CURSOR = '\x1b[?25l';
export const SHOW_CURSOR = '\x1b[?25h';
const CLEAR_LINE_END = '\x1b[K';
const CLEAR_BELOW = '\x1b[J';
const up = (n: number) => `\x1b[${n}A`;

export interface LiveViewOptions {
  readonly now?: () => Date;
  /** Restore the cursor and exit 130 on SIGINT/SIGTERM while a terminal view is shown (the CLI sets it). */
  readonly handleSignals?: boolean;
}

export class LiveView {
  private drawn = 0;
  private started = false;
  private readonly printed = new Map<string, string>();
  private readonly onSignal = () => {
    this.finish();
    process.exit(130);
  };
  private signalsOn = false;

  constructor(
    private readonly out: Output,
    private readonly opts: LiveViewOptions = {},
  ) {}

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  show(frame: Frame): void {
    if (this.tty) {
      this.redraw(frame.lines);
      return;
    }
    const stamp = (this.opts.now ? this.opts.now() : new Date()).toISOString();
    let text = '';
    for (const [key, line] of frame.events) {
      if (this.printed.get(key) !== line) {
        this.printed.set(key, line);
        text += `${stamp}  ${line}\n`;
      }
    }
    if (text !== '') {
      this.out.write(text);
    }
  }

  /** Ends the view: a terminal gets its cursor back. Safe to call twice. */
  finish(): void {
    if (this.signalsOn) {
      process.off('SIGINT', this.onSignal);
      process.off('SIGTERM', this.onSignal);
      this.signalsOn = false;
    }
    if (this.started) {
      this.out.write(SHOW_CURSOR);
      this.started = false;
      this.drawn = 0;
    }
  }

  private redraw(lines: readonly string[]): void {
    const cols = this.out.columns;
    // a line wider than the terminal would wrap and break the count of lines to move up over
    const clip = (l: string) =>
      cols && cols > 1 && [...l].length >= cols ? [...l].slice(0, cols - 1).join('') : l;
    let text = this.drawn > 0 ? `${up(this.drawn)}\r` : '';
    if (!this.started) {
      text = HIDE_CURSOR;
      this.started = true;
    }
    if (this.opts.handleSignals && !this.signalsOn) {
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
      this.signalsOn = true;
    }
    for (const l of lines) {
      text += `${clip(l)}${CLEAR_LINE_END}\n`;
    }
    text += CLEAR_BELOW;
    this.out.write(text);
    this.drawn = lines.length;
  }
}
