export * from './envelope';
export * from './header';
export {
  ARMOR_MAGIC,
  MAX_ARMOR_PARTS,
  MAX_PART_DATA,
  SINGLE_PART_OVERHEAD,
  MULTI_PART_OVERHEAD,
  MAX_SCAN_LENGTH,
  armorEnvelope,
  splitArmor,
  armoredLength,
  findArmor,
  dearmor,
  Reassembler,
} from './armor';
export type { ArmorPart, ArmorMatch, ReassemblerOptions, ReassemblyResult } from './armor';
