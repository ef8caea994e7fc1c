import type { Command } from '../../hosting/command';
import { infoCommand } from './info';
import { subbandsCommand } from './subbands';
import { serveCommand } from './serve';
import { convertCommand } from './convert';
import { encodeCommand } from './encode';
import { decodeCommand } from './decode';
import { reconstructCommand } from './reconstruct';
import { compareCommand } from './compare';
import { evalCommand } from './eval';
import { latentStatsCommand } from './latent-stats';
import { compareModelsCommand } from './compare-models';
import { doctorCommand } from './doctor';

// Each command registers here; keep the list in the order `wfvae --help` shows.
export const commands: Command[] = [infoCommand, subbandsCommand, serveCommand, convertCommand, encodeCommand, decodeCommand, reconstructCommand, compareCommand, evalCommand, latentStatsCommand, compareModelsCommand, doctorCommand];
