import { describe, expect, it } from 'vitest';
import { createDevice, getDmaMask, setDmaMask } from './device.js';

describe('device DMA state', () => {
  it('starts with a 32-bit coherent mask and dma_mask pointing at it', () => {
    const dev = createDevice({ name: 'd', bus: 'platform' });
    expect(dev.coherentDmaMask).toBe(0xffff_ffffn);
    expect(getDmaMask(dev)).toBe(0xffff_ffffn);
    setDmaMask(dev, 0xfffn);
    expect(dev.coherentDmaMask).toBe(0xfffn);
  });

  it('own storage is independent; a NULL pointer cannot be written', () => {
    const dev = createDevice({ name: 'd', bus: 'platform' });
    dev.dmaMask = { kind: 'own', value: 0xffn };
    setDmaMask(dev, 0xfn);
    expect(getDmaMask(dev)).toBe(0xfn);
    expect(dev.coherentDmaMask).toBe(0xffff_ffffn);
    dev.dmaMask = { kind: 'null' };
    expect(getDmaMask(dev)).toBeNull();
    expect(() => setDmaMask(dev, 1n)).toThrow(/NULL dma_mask/);
  });
});
