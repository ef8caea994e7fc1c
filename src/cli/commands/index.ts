import type { Command } from '../command';
import { infoCommand } from './info';
import { subbandsCommand } from './subbands';
import { serveCommand } from './serve';

// Each command registers here; keep the list in the order `wfvae --help` shows.
export const commands: Command[] = [infoCommand, subbandsCommand, serveCommand];
