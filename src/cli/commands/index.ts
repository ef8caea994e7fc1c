import type { Command } from '../command';

// Each command registers here; keep the list in the order `wfvae --help` shows.
export const commands: Command[] = [];
