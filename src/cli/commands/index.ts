import type { Command } from '../command';
import { infoCommand } from './info';

// Each command registers here; keep the list in the order `wfvae --help` shows.
export const commands: Command[] = [infoCommand];
