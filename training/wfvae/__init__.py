from .model import WFVAE, WFVAEConfig
from .checkpoint import load_pretrained, save_pretrained, layout

__all__ = ["WFVAE", "WFVAEConfig", "load_pretrained", "save_pretrained", "layout"]
