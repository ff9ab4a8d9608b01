// The CRI container log format, as the shim writes it: one record per line,
// `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>`, where P marks a piece of a line longer than
// the shim's buffer and F ends a line. Pure: parsing and assembling records into lines.

export interface CriRecord {
  /** The timestamp as written (nanosecond precision kept for `--timestamps`). */
  readonly timestamp: string;
  readonly time: Date;
  readonly stream: 'stdout' | 'stderr';
  readonly partial: boolean;
  readonly text: string;
}

/** One logical line: consecutive P records of a stream closed by an F record. */
export interface CriLine {
  readonly timestamp: string;
  readonly time: Date;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** Parses one record (without its trailing newline); undefined for anything malformed. */
export function parseCriRecord(line: string): CriRecord | undefined {
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  if (s2 < 0) {
    return undefined;
  }
  const timestamp = line.slice(0, s1);
  const stream = line.slice(s1 + 1, s2);
  if (stream !== 'stdout' && stream !== 'stderr') {
    return undefined;
  }
  const tag = line.slice(s2 + 1, s2 + 2);
  if ((tag !== 'F' && tag !== 'P') || (line.length > s2 + 2 && line[s2 + 2] !== ' ')) {
    return undefined;
  }
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) {
    return undefined;
  }
  return { timestamp, time, stream, partial: tag === 'P', text: line.slice(s2 + 3) };
}

/** Formats one record (the shim's format; used by tests and fakes). */
export function formatCriRecord(
  time: Date,
  stream: 'stdout' | 'stderr',
  text: string,
  partial = false,
): string {
  return `${time.toISOString()} ${stream} ${partial ? 'P' : 'F'} ${text}\n`;
}

/** Joins records into lines, keeping pieces of a partial line per stream until its F record arrives. */
export class CriLineAssembler {
  private readonly pending = new Map<string, { first: CriRecord; text: string }>();

  push(record: CriRecord): CriLine | undefined {
    const open = this.pending.get(record.stream);
    const first = open?.first ?? record;
    const text = (open?.text ?? '') + record.text;
    if (record.partial) {
      this.pending.set(record.stream, { first, text });
      return undefined;
    }
    this.pending.delete(record.stream);
    return { timestamp: first.timestamp, time: first.time, stream: record.stream, text };
  }
}

/** How a line is written out: its text and a newline, prefixed with its timestamp when asked. */
export function renderLine(line: CriLine, timestamps: boolean): string {
  return timestamps ? `${line.timestamp} ${line.text}\n` : `${line.text}\n`;
}
