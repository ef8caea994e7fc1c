// WFVAEModel (the reference's modeling_wfvae.py) as ONNX graphs. Reading order
// follows the model: wavelet in, energy flow, backbone, outflow, wavelet out.
import type { Value } from './graph';
import { haar2d, haar3d, inverseHaar2d, inverseHaar3d } from './haar';
import {
  addToLeadingChannels, attention, causalConv3d, channels, concat, conv2d, downsample2D, downsample3D,
  normalize, resnetBlock2D, resnetBlock3D, swish, upsample2D, upsample3D, type Ctx,
} from './layers';
import type { WFVAEOptions } from './model-config';
import type { EncoderOutputs, DecoderOutputs } from './outputs';

const RGB = 3;

export function wfvaeEncoder(c: Ctx, cfg: WFVAEOptions, video: Value): EncoderOutputs {
  const g = c.g;
  const base = cfg.base_channels;
  const ef = cfg.encoder_energy_flow_hidden_size;
  const n = cfg.encoder_num_resblocks;
  const l1Is3D = cfg.l1_dowmsample_block !== 'Downsample';
  const l1Channels = l1Is3D ? 24 : 12;
  const E = 'encoder';

  // Wavelet in: level 1 (3D) of the video, level 2 of its low band, level 3 of that low band.
  const coeffs = g.scope(`${E}.wavelet_transform_in`, () => haar3d(c, `${E}.wavelet_transform_in`, video, RGB));
  const l1Coeffs = g.scope(`${E}.wavelet_transform_l1`, () =>
    l1Is3D ? haar3d(c, `${E}.wavelet_transform_l1`, channels(g, coeffs, 0, RGB), RGB) : haar2d(c, `${E}.wavelet_transform_l1`, channels(g, coeffs, 0, RGB), RGB),
  );
  const l2Coeffs = g.scope(`${E}.wavelet_transform_l2`, () => haar3d(c, `${E}.wavelet_transform_l2`, channels(g, l1Coeffs, 0, RGB), RGB));

  // Energy flow (Inflow): each level's coefficients, convolved to the flow width.
  const inflowL1 = g.scope(`${E}.connect_l1`, () => conv2d(c, `${E}.connect_l1`, l1Coeffs, l1Channels, ef));
  const inflowL2 = g.scope(`${E}.connect_l2`, () => conv2d(c, `${E}.connect_l2`, l2Coeffs, 24, ef));

  // Backbone, with the inflow concatenated after each downsampling stage.
  const down1 = g.scope(`${E}.down1`, () => {
    let x = conv2d(c, `${E}.down1.0`, coeffs, 24, base);
    for (let i = 1; i <= n; i++) x = resnetBlock2D(c, `${E}.down1.${i}`, x, base, base);
    return l1Is3D ? downsample3D(c, `${E}.down1.${n + 1}`, x, base, base) : downsample2D(c, `${E}.down1.${n + 1}`, x, base, base);
  });
  let h = concat(g, c.time.align([down1, inflowL1], `${E}.down1+l1`), 1);
  const down2 = g.scope(`${E}.down2`, () => {
    let x = conv2d(c, `${E}.down2.0`, h, base + ef, base * 2);
    for (let i = 1; i <= n; i++) x = resnetBlock3D(c, `${E}.down2.${i}`, x, base * 2, base * 2);
    return downsample3D(c, `${E}.down2.${n + 1}`, x, base * 2, base * 2);
  });
  h = concat(g, c.time.align([down2, inflowL2], `${E}.down2+l2`), 1);
  h = g.scope(`${E}.mid`, () => {
    let i = 0;
    let x = resnetBlock3D(c, `${E}.mid.${i++}`, h, base * 2 + ef, base * 4);
    if (cfg.use_attention) x = attention(cfg.attention_type, c, `${E}.mid.${i++}`, x, base * 4);
    return resnetBlock3D(c, `${E}.mid.${i}`, x, base * 4, base * 4);
  });
  const moments = g.scope(`${E}.out`, () =>
    causalConv3d(c, `${E}.conv_out`, swish(g, normalize(c, `${E}.norm_out`, h, base * 4, 'video')), base * 4, cfg.latent_dim * 2),
  );
  return {
    moments,
    latentChannels: cfg.latent_dim,
    taps: [
      { name: 'enc.l1', value: l1Coeffs, channels: l1Channels, what: 'level-2 wavelet coefficients (encoder inflow input)' },
      { name: 'enc.l2', value: l2Coeffs, channels: 24, what: 'level-3 wavelet coefficients (encoder inflow input)' },
      { name: 'enc.inflow.l1', value: inflowL1, channels: ef, what: 'connect_l1 output, concatenated after down1' },
      { name: 'enc.inflow.l2', value: inflowL2, channels: ef, what: 'connect_l2 output, concatenated after down2' },
      { name: 'pw.enc.haar1', value: coeffs, channels: 24, what: 'level-1 wavelet coefficients of the video (wavelet_transform_in), the backbone input', stage: true },
      { name: 'pw.enc.down1', value: down1, channels: base, what: 'down1 output, before the level-2 inflow joins', stage: true },
      { name: 'pw.enc.down2', value: down2, channels: base * 2, what: 'down2 output, before the level-3 inflow joins', stage: true },
      { name: 'pw.enc.mid', value: h, channels: base * 4, what: 'mid block output, into norm_out and conv_out', stage: true },
    ],
  };
}

export function wfvaeDecoder(c: Ctx, cfg: WFVAEOptions, z: Value): DecoderOutputs {
  const g = c.g;
  const base = cfg.base_channels;
  const ef = cfg.decoder_energy_flow_hidden_size;
  const n = cfg.decoder_num_resblocks;
  const r = cfg.connect_res_layer_num;
  const l1Is3D = cfg.l1_upsample_block !== 'Upsample';
  const l1Channels = l1Is3D ? 24 : 12;
  const D = 'decoder';

  // Backbone entry: the last ef channels of the mid output feed the level-3 outflow.
  const mid = g.scope(`${D}.mid`, () => {
    let x = causalConv3d(c, `${D}.conv_in`, z, cfg.latent_dim, base * 4);
    let i = 0;
    x = resnetBlock3D(c, `${D}.mid.${i++}`, x, base * 4, base * 4);
    if (cfg.use_attention) x = attention(cfg.attention_type, c, `${D}.mid.${i++}`, x, base * 4);
    return resnetBlock3D(c, `${D}.mid.${i}`, x, base * 4, base * 4 + ef);
  });
  let h = mid;

  // Outflow, level 3: predicted coefficients, inverted to a level-2 low band.
  const outflow = (key: string, x: Value, outCh: number) =>
    g.scope(key, () => {
      let y = x;
      for (let i = 0; i < r; i++) y = resnetBlock3D(c, `${key}.${i}`, y, ef, ef);
      return conv2d(c, `${key}.${r}`, y, ef, outCh);
    });
  const l2Coeffs = outflow(`${D}.connect_l2`, channels(g, h, base * 4), 24);
  const l2 = g.scope(`${D}.inverse_wavelet_transform_l2`, () => inverseHaar3d(c, `${D}.inverse_wavelet_transform_l2`, l2Coeffs, RGB));

  const up2 = g.scope(`${D}.up2`, () => {
    let x = channels(g, h, 0, base * 4);
    for (let i = 0; i < n; i++) x = resnetBlock3D(c, `${D}.up2.${i}`, x, base * 4, base * 4);
    x = upsample3D(c, `${D}.up2.${n}`, x, base * 4, base * 4, cfg.t_interpolation);
    return resnetBlock3D(c, `${D}.up2.${n + 1}`, x, base * 4, base * 4 + ef);
  });
  h = up2;

  // Outflow, level 2: predicted coefficients plus the level-3 reconstruction in the low band.
  const l1Raw = outflow(`${D}.connect_l1`, channels(g, h, base * 4), l1Channels);
  const [l1Aligned, l2Aligned] = c.time.align([l1Raw, l2], `${D}.l1+l2`);
  const l1Coeffs = addToLeadingChannels(g, l1Aligned, l2Aligned, RGB);
  const l1 = g.scope(`${D}.inverse_wavelet_transform_l1`, () =>
    l1Is3D ? inverseHaar3d(c, `${D}.inverse_wavelet_transform_l1`, l1Coeffs, RGB) : inverseHaar2d(c, `${D}.inverse_wavelet_transform_l1`, l1Coeffs, RGB),
  );

  const up1 = g.scope(`${D}.up1`, () => {
    let x = channels(g, h, 0, base * 4);
    for (let i = 0; i < n; i++) x = resnetBlock3D(c, `${D}.up1.${i}`, x, i === 0 ? base * 4 : base * 2, base * 2);
    x = l1Is3D
      ? upsample3D(c, `${D}.up1.${n}`, x, base * 2, base * 2, cfg.t_interpolation)
      : upsample2D(c, `${D}.up1.${n}`, x, base * 2, base * 2);
    return resnetBlock3D(c, `${D}.up1.${n + 1}`, x, base * 2, base * 2);
  });
  h = g.scope(`${D}.layer`, () => resnetBlock3D(c, `${D}.layer.1`, resnetBlock3D(c, `${D}.layer.0`, up1, base * 2, base), base, base));
  const out = g.scope(`${D}.out`, () => conv2d(c, `${D}.conv_out`, swish(g, normalize(c, `${D}.norm_out`, h, base, 'video')), base, 24));

  // Wavelet out: the level-2 reconstruction joins the level-1 low band, then the inverse transform.
  const [hAligned, l1Final] = c.time.align([out, l1], `${D}.out+l1`);
  const l0Coeffs = addToLeadingChannels(g, hAligned, l1Final, RGB);
  const video = g.scope(`${D}.inverse_wavelet_transform_out`, () => inverseHaar3d(c, `${D}.inverse_wavelet_transform_out`, l0Coeffs, RGB));
  return {
    video,
    taps: [
      { name: 'dec.l2', value: l2Coeffs, channels: 24, what: 'predicted level-3 coefficients (connect_l2 output)' },
      { name: 'dec.l1', value: l1Coeffs, channels: l1Channels, what: 'predicted level-2 coefficients plus the level-3 reconstruction' },
      { name: 'dec.outflow.l2', value: l2, channels: RGB, what: 'inverse transform of dec.l2, added to the level-2 low band' },
      { name: 'dec.outflow.l1', value: l1, channels: RGB, what: 'inverse transform of dec.l1, added to the level-1 low band' },
      { name: 'pw.dec.mid', value: mid, channels: base * 4 + ef, what: 'mid block output: the first channels go on to up2, the last ones to the level-3 outflow', stage: true },
      { name: 'pw.dec.up2', value: up2, channels: base * 4 + ef, what: 'up2 output: the first channels go on to up1, the last ones to the level-2 outflow', stage: true },
      { name: 'pw.dec.up1', value: up1, channels: base * 2, what: 'up1 output, into the output layers', stage: true },
      { name: 'pw.dec.out', value: out, channels: 24, what: 'conv_out output: predicted level-1 coefficients, before the level-2 reconstruction joins their low band', stage: true },
      { name: 'pw.dec.haar1', value: l0Coeffs, channels: 24, what: 'level-1 coefficients into the inverse transform (conv_out plus dec.outflow.l1 in the low band)', stage: true },
    ],
  };
}
