// The options of the two reference classes that shape the graphs, under their
// config.json names. (Validation with clear errors lives in checkpoint/config.)
import type { AttentionType, NormType, ResBlockType } from './layers';
import type { TimeInterpolation } from './timeline';

export interface WFVAEOptions {
  className: 'WFVAEModel';
  latent_dim: number;
  base_channels: number;
  encoder_num_resblocks: number;
  encoder_energy_flow_hidden_size: number;
  decoder_num_resblocks: number;
  decoder_energy_flow_hidden_size: number;
  attention_type: AttentionType;
  use_attention: boolean;
  norm_type: NormType;
  t_interpolation: TimeInterpolation;
  connect_res_layer_num: number;
  l1_dowmsample_block: 'Downsample' | 'Spatial2xTime2x3DDownsample';
  l1_downsample_wavelet: 'HaarWaveletTransform2D' | 'HaarWaveletTransform3D';
  l1_upsample_block: 'Upsample' | 'Spatial2xTime2x3DUpsample';
  l1_upsample_wavelet: 'InverseHaarWaveletTransform2D' | 'InverseHaarWaveletTransform3D';
}

export interface WFVAE2Options {
  className: 'WFVAE2Model';
  latent_dim: number;
  base_channels: number[];
  decoder_base_channels: number[];
  layer_type: ('hw' | 'thw')[];
  layer_res_type: ResBlockType[];
  encoder_num_resblocks: number;
  encoder_energy_flow_size: number;
  decoder_num_resblocks: number;
  decoder_energy_flow_size: number;
  norm_type: NormType;
  t_interpolation: TimeInterpolation;
  mid_layers_type: (ResBlockType | AttentionType)[];
}

export type GraphOptions = WFVAEOptions | WFVAE2Options;
