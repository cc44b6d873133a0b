"""Stand-in for peft in the hf script's structure test."""
from transformers import _log


class LoraConfig:
    def __init__(self, **kw):
        self.kw = kw


def get_peft_model(model, config):
    _log("get_peft_model", **config.kw)
    return model
