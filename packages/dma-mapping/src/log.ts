// printk model: dev_*/pr_* messages collected per device (or per platform) in order.

export type LogLevel = 'err' | 'warn' | 'info' | 'debug';

export interface LogEntry {
  level: LogLevel;
  msg: string;
}

export type KernelLog = LogEntry[];

/** The prefix the kernel's FW_BUG macro expands to. */
export const FW_BUG = '[Firmware Bug]: ';

export function logErr(log: KernelLog, msg: string): void {
  log.push({ level: 'err', msg });
}

export function logWarn(log: KernelLog, msg: string): void {
  log.push({ level: 'warn', msg });
}

export function logInfo(log: KernelLog, msg: string): void {
  log.push({ level: 'info', msg });
}

export function logDebug(log: KernelLog, msg: string): void {
  log.push({ level: 'debug', msg });
}
