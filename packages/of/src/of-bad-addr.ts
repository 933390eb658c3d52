/** OF_BAD_ADDR: ((u64)-1), what every failed translation returns. */
export const OF_BAD_ADDR = 0xffff_ffff_ffff_ffffn;
