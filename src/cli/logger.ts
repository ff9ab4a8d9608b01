// One pino root logger for the CLI process: JSON lines, level from GANTRY_LOG_LEVEL (default info).
import { type Logger, pino } from 'pino';

export function rootLogger(): Logger {
  return pino({
    level: process.env.GANTRY_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    redact: { paths: ['token', '*.token', 'authorization', '*.authorization'], censor: '[redacted]' },
  });
}
