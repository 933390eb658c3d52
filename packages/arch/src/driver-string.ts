import type { Device } from '@dmasim/dma-mapping';

/** dev_driver_string() at configuration time: no driver bound yet, so the bus name. */
export function deviceDriverString(dev: Device): string {
  return dev.bus;
}
