"""Stand-ins for the two third-party packages the public WF-VAE reference
imports but Debian does not ship (diffusers, einops), so the reference's own
model code runs on Debian's python3-torch. Only what its model classes touch:
diffusers' mixins and output base class (no behaviour is needed from them to
build a model and run a forward pass) and einops' `rearrange` (a general
implementation of the axis-grouping notation; the reference's patterns are
all plain regroupings and permutations). Debian's torch 1.13 also lacks
`F.scaled_dot_product_attention` (torch 2.0), which AttnBlock3DFix calls:
`install()` adds its textbook definition, softmax(q kᵀ / √d) v, for the
arguments the reference passes (no mask, no dropout, not causal)."""
import functools
import sys
import types

import torch


def _parse(side):
    """'b (c t) h w' -> [['b'], ['c', 't'], ['h'], ['w']]; '1' is an axis of size 1."""
    groups, current = [], None
    for tok in side.replace("(", " ( ").replace(")", " ) ").split():
        if tok == "(":
            current = []
        elif tok == ")":
            groups.append(current)
            current = None
        elif current is not None:
            current.append(tok)
        else:
            groups.append([tok])
    return groups


def rearrange(x, pattern, **sizes):
    left, right = (_parse(s) for s in pattern.split("->"))
    if len(left) != x.dim():
        raise ValueError(f"rearrange {pattern!r}: tensor has {x.dim()} dims")
    known = dict(sizes)
    for group, dim in zip(left, x.shape):
        names = [n for n in group if n != "1"]
        unknown = [n for n in names if n not in known]
        prod = 1
        for n in names:
            if n in known:
                prod *= known[n]
        if len(unknown) > 1:
            raise ValueError(f"rearrange {pattern!r}: cannot infer {unknown}")
        if unknown:
            known[unknown[0]] = dim // prod
        elif prod != dim:
            raise ValueError(f"rearrange {pattern!r}: group {group} is {prod}, dim is {dim}")
    elementary = [n for g in left for n in g if n != "1"]
    out_order = [n for g in right for n in g if n != "1"]
    if sorted(elementary) != sorted(out_order):
        raise ValueError(f"rearrange {pattern!r}: axes differ on the two sides")
    y = x.reshape([known[n] for n in elementary])
    y = y.permute([elementary.index(n) for n in out_order])
    shape = []
    for g in right:
        size = 1
        for n in g:
            size *= 1 if n == "1" else known[n]
        shape.append(size)
    return y.reshape(shape)


def _unsupported(name):
    def f(*_a, **_k):
        raise NotImplementedError(f"einops.{name} is not part of this stand-in")
    return f


def scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=False):
    if attn_mask is not None or dropout_p or is_causal:
        raise NotImplementedError("scaled_dot_product_attention stand-in: mask, dropout and causal are not supported")
    w = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5, dim=-1)
    return w @ v


def install():
    if not hasattr(torch.nn.functional, "scaled_dot_product_attention"):
        torch.nn.functional.scaled_dot_product_attention = scaled_dot_product_attention
    einops = types.ModuleType("einops")
    einops.rearrange = rearrange
    einops.pack = _unsupported("pack")
    einops.unpack = _unsupported("unpack")
    einops.repeat = _unsupported("repeat")

    class ConfigMixin:
        config_name = None

    class ModelMixin(torch.nn.Module):
        pass

    def register_to_config(init):
        @functools.wraps(init)
        def inner(self, *args, **kwargs):
            init(self, *args, **kwargs)
        return inner

    class BaseOutput:
        pass

    diffusers = types.ModuleType("diffusers")
    diffusers.ModelMixin, diffusers.ConfigMixin = ModelMixin, ConfigMixin
    configuration_utils = types.ModuleType("diffusers.configuration_utils")
    configuration_utils.ConfigMixin, configuration_utils.register_to_config = ConfigMixin, register_to_config
    models = types.ModuleType("diffusers.models")
    modeling_utils = types.ModuleType("diffusers.models.modeling_utils")
    modeling_utils.ModelMixin = ModelMixin
    utils = types.ModuleType("diffusers.utils")
    utils.BaseOutput = BaseOutput
    sys.modules.update({
        "einops": einops,
        "diffusers": diffusers,
        "diffusers.configuration_utils": configuration_utils,
        "diffusers.models": models,
        "diffusers.models.modeling_utils": modeling_utils,
        "diffusers.utils": utils,
    })
