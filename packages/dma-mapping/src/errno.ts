// Kernel errno values; functions return them negated, as the kernel does.
export const ENXIO = 6;
export const EIO = 5;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EFAULT = 14;
export const ENODEV = 19;
export const EINVAL = 22;
export const ERANGE = 34;
export const ENOENT = 2;
export const ENOSPC = 28;
export const ETIMEDOUT = 110;
export const EPROBE_DEFER = 517;

const NAMES: Record<number, string> = {
  [ENOENT]: 'ENOENT',
  [EIO]: 'EIO',
  [ENXIO]: 'ENXIO',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EFAULT]: 'EFAULT',
  [ENODEV]: 'ENODEV',
  [EINVAL]: 'EINVAL',
  [ENOSPC]: 'ENOSPC',
  [ERANGE]: 'ERANGE',
  [ETIMEDOUT]: 'ETIMEDOUT',
  [EPROBE_DEFER]: 'EPROBE_DEFER',
};

/** The kernel's %pe rendering of an error return, e.g. -19 → "-ENODEV". */
export function errName(ret: number): string {
  const name = NAMES[-ret];
  return name ? `-${name}` : String(ret);
}
