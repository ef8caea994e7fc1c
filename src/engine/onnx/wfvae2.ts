// WFVAE2Model (the reference's modeling_wfvae2.py) as ONNX graphs: a stack of
// wavelet-driven down blocks (energy in) and up blocks (energy out).
import type { Value } from './graph';
import { haar2d, haar3d, inverseHaar2d, inverseHaar3d } from './haar';
import {
  addToLeadingChannels, attention, causalConv3d, channels, concat, conv2d, downsample2D, downsample3D, normalize,
  resBlock, resnetBlock2D, resnetBlock3D, swish, upsample2D, upsample3D, type AttentionType, type Ctx, type ResBlockType,
} from './layers';
import type { WFVAE2Options } from './model-config';
import type { DecoderOutputs, EncoderOutputs, Tap } from './outputs';

const RGB = 3;

function midLayers(c: Ctx, key: string, x: Value, types: WFVAE2Options['mid_layers_type'], ch: number): Value {
  return types.reduce((h, type, i) => {
    const k = `${key}.${i}`;
    return type === 'ResnetBlock2D' || type === 'ResnetBlock3D' ? resBlock(type, c, k, h, ch, ch) : attention(type as AttentionType, c, k, h, ch);
  }, x);
}

export function wfvae2Encoder(c: Ctx, cfg: WFVAE2Options, video: Value): EncoderOutputs {
  const g = c.g;
  const base = cfg.base_channels;
  const ef = cfg.encoder_energy_flow_size;
  const E = 'encoder';
  const taps: Tap[] = [];

  let w = g.scope(`${E}.wavelet_transform_in`, () => haar3d(c, `${E}.wavelet_transform_in`, video, RGB));
  taps.push({ name: 'pw.enc.haar1', value: w, channels: 24, what: 'level-1 wavelet coefficients of the video (wavelet_transform_in), the backbone input', stage: true });
  let h = conv2d(c, `${E}.conv_in`, w, 24, base[0]);
  cfg.layer_type.forEach((type, idx) => {
    const key = `${E}.down_blocks.${idx}`;
    const res: ResBlockType = cfg.layer_res_type[idx];
    const cin = base[idx];
    const cout = base[idx + 1];
    g.scope(key, () => {
      for (let j = 0; j < cfg.encoder_num_resblocks - 1; j++) h = resBlock(res, c, `${key}.res_block.${j}`, h, cin, cin);
      h = type === 'thw' ? downsample3D(c, `${key}.down`, h, cin, cin) : downsample2D(c, `${key}.down`, h, cin, cin);
      // Energy in: this level's wavelet coefficients of the previous low band.
      const low = channels(g, w, 0, RGB);
      const coeffs = type === 'thw' ? haar3d(c, `${key}.wavelet_transform`, low, RGB) : haar2d(c, `${key}.wavelet_transform`, low, RGB);
      const nCoeffs = type === 'thw' ? 24 : 12;
      const inflow = conv2d(c, `${key}.in_flow_conv`, coeffs, nCoeffs, ef);
      h = resBlock(res, c, `${key}.out_res_block`, concat(g, c.time.align([h, inflow], `${key}.merge`), 1), cin + ef, cout);
      w = coeffs;
      taps.push({ name: `enc.coeffs.${idx}`, value: coeffs, channels: nCoeffs, what: `down block ${idx} wavelet coefficients (${type})` });
      taps.push({ name: `enc.inflow.${idx}`, value: inflow, channels: ef, what: `down block ${idx} in_flow_conv output` });
      taps.push({ name: `pw.enc.block.${idx}`, value: h, channels: cout, what: `down block ${idx} output (out_res_block, after the inflow joined)`, stage: true });
    });
  });
  const top = base[base.length - 1];
  h = g.scope(`${E}.mid`, () => midLayers(c, `${E}.mid`, h, cfg.mid_layers_type, top));
  taps.push({ name: 'pw.enc.mid', value: h, channels: top, what: 'mid layers output, into norm_out and conv_out', stage: true });
  const moments = g.scope(`${E}.out`, () =>
    causalConv3d(c, `${E}.conv_out`, swish(g, normalize(c, `${E}.norm_out`, h, top, 'video')), top, cfg.latent_dim * 2),
  );
  return { moments, latentChannels: cfg.latent_dim, taps };
}

export function wfvae2Decoder(c: Ctx, cfg: WFVAE2Options, z: Value): DecoderOutputs {
  const g = c.g;
  const base = cfg.decoder_base_channels;
  const ef = cfg.decoder_energy_flow_size;
  const D = 'decoder';
  const taps: Tap[] = [];
  const top = base[base.length - 1];

  let h = causalConv3d(c, `${D}.conv_in`, z, cfg.latent_dim, top);
  h = g.scope(`${D}.mid`, () => midLayers(c, `${D}.mid`, h, cfg.mid_layers_type, top));
  taps.push({ name: 'pw.dec.mid', value: h, channels: top, what: 'mid layers output, into the first up block', stage: true });

  let w: Value | null = null;
  const L = cfg.layer_type.length;
  for (let idx = 0; idx < L; idx++) {
    const type = cfg.layer_type[L - 1 - idx];
    const res: ResBlockType = cfg.layer_res_type[L - 1 - idx];
    const key = `${D}.up_blocks.${idx}`;
    const cin = base[L - idx];
    const cout = base[L - idx - 1];
    g.scope(key, () => {
      const thw = type === 'thw';
      h = thw ? resnetBlock3D(c, `${key}.branch_conv`, h, cin, cin + ef) : resnetBlock2D(c, `${key}.branch_conv`, h, cin, cin + ef);
      // Energy out: predicted coefficients (plus the finer level's reconstruction), inverted.
      const flow = channels(g, h, cin);
      const flowRes = thw ? resnetBlock3D(c, `${key}.out_flow_conv.0`, flow, ef, ef) : resnetBlock2D(c, `${key}.out_flow_conv.0`, flow, ef, ef);
      const nCoeffs = thw ? 24 : 12;
      let coeffs = conv2d(c, `${key}.out_flow_conv.1`, flowRes, ef, nCoeffs);
      if (w) {
        const [ca, wa] = c.time.align([coeffs, w], `${key}.merge`);
        coeffs = addToLeadingChannels(g, ca, wa, RGB);
      }
      w = thw ? inverseHaar3d(c, `${key}.inverse_wavelet_transform`, coeffs, RGB) : inverseHaar2d(c, `${key}.inverse_wavelet_transform`, coeffs, RGB);
      taps.push({ name: `dec.coeffs.${idx}`, value: coeffs, channels: nCoeffs, what: `up block ${idx} predicted coefficients (${type})` });
      taps.push({ name: `dec.outflow.${idx}`, value: w, channels: RGB, what: `up block ${idx} inverse transform output` });

      let x = channels(g, h, 0, cin);
      for (let j = 0; j < cfg.decoder_num_resblocks - 2; j++) x = resBlock(res, c, `${key}.res_block.${j}`, x, cin, cin);
      x = thw ? upsample3D(c, `${key}.up`, x, cin, cin, cfg.t_interpolation) : upsample2D(c, `${key}.up`, x, cin, cin);
      h = resBlock(res, c, `${key}.out_res_block`, x, cin, cout);
      taps.push({ name: `pw.dec.block.${idx}`, value: h, channels: cout, what: `up block ${idx} output (out_res_block)`, stage: true });
    });
  }
  // The reference applies no nonlinearity between norm_out and conv_out here.
  h = g.scope(`${D}.out`, () => conv2d(c, `${D}.conv_out`, normalize(c, `${D}.norm_out`, h, base[0], 'video'), base[0], 24));
  taps.push({ name: 'pw.dec.out', value: h, channels: 24, what: 'conv_out output: predicted level-1 coefficients, before the finer reconstruction joins their low band', stage: true });
  const [hAligned, wAligned] = c.time.align([h, w as unknown as Value], `${D}.out+w`);
  const l0Coeffs = addToLeadingChannels(g, hAligned, wAligned, RGB);
  taps.push({ name: 'pw.dec.haar1', value: l0Coeffs, channels: 24, what: 'level-1 coefficients into the inverse transform (conv_out plus the last outflow in the low band)', stage: true });
  const video = g.scope(`${D}.inverse_wavelet_transform_out`, () => inverseHaar3d(c, `${D}.inverse_wavelet_transform_out`, l0Coeffs, RGB));
  return { video, taps };
}
