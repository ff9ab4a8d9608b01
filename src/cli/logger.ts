// The CLI process's pino root logger. Logs go to stderr: human-readable (pino-pretty, written
// synchronously, no worker thread) when stderr is a terminal, JSON lines otherwise;
// GANTRY_LOG_FORMAT=json|pretty overrides, GANTRY_LOG_LEVEL sets the level (default info).
// Every line passes through src/observe/redact.ts: tokens, authorization headers, passwords,
// webhook secrets, Secret data and `user:pass@` in URLs never reach the output.
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactText, redactValue } from '../observe/redact.js';

export type LogFormat = 'json' | 'pretty';

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** The log format from GANTRY_LOG_FORMAT, else pretty on a terminal and JSON otherwise. */
export function logFormat(env: NodeJS.ProcessEnv, isTTY: boolean): LogFormat {
  const v = env.GANTRY_LOG_FORMAT?.trim().toLowerCase();
  if (v === undefined || v === '') {
    return isTTY ? 'pretty' : 'json';
  }
  if (v === 'json' || v === 'pretty') {
    return v;
  }
  throw new Error(
    `GANTRY_LOG_FORMAT must be "json" or "pretty", not ${JSON.stringify(env.GANTRY_LOG_FORMAT)}`,
  );
}

/** The level from GANTRY_LOG_LEVEL (default info). */
export function logLevel(env: NodeJS.ProcessEnv): string {
  const v = env.GANTRY_LOG_LEVEL?.trim().toLowerCase();
  if (v === undefined || v === '') {
    return 'info';
  }
  if (!LEVELS.has(v)) {
    throw new Error(
      `GANTRY_LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, not ${JSON.stringify(env.GANTRY_LOG_LEVEL)}`,
    );
  }
  return v;
}

/** A serialized log line with every secret replaced (child bindings and error texts included). */
export function redactLine(line: string): string {
  try {
    return `${JSON.stringify(redactValue(JSON.parse(line)))}\n`;
  } catch {
    return redactText(line);
  }
}

/** pino options shared by both formats: the redaction of every line. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    hooks: { streamWrite: redactLine },
  };
}

export interface CreateLoggerOptions {
  readonly format?: LogFormat;
  readonly level?: string;
  /** Where lines go; default stderr. */
  readonly destination?: NodeJS.WritableStream;
  /** Colors in pretty output; default when the destination is a terminal. */
  readonly colorize?: boolean;
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const format = opts.format ?? 'json';
  const level = opts.level ?? 'info';
  if (format === 'pretty') {
    const stream = pinoPretty({
      destination: opts.destination ?? 2,
      sync: true,
      colorize: opts.colorize ?? false,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino(loggerOptions(level), stream);
  }
  const dest: DestinationStream = opts.destination
    ? (opts.destination as DestinationStream)
    : pino.destination({ fd: 2, sync: true });
  return pino(loggerOptions(level), dest);
}

/** The process's root logger (stderr, format and level from the environment). */
export function rootLogger(): Logger {
  const tty = process.stderr.isTTY === true;
  return createLogger({
    format: logFormat(process.env, tty),
    level: logLevel(process.env),
    colorize: tty,
  });
}
