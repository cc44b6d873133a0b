"""Stand-in for transformers in the hf script's structure test.

Every call is appended to the file named by $FAKE_CALLS as one JSON line,
so the test can check their order and keywords.
"""
import json
import os


def _log(event, **kw):
    with open(os.environ["FAKE_CALLS"], "a") as f:
        f.write(json.dumps({"event": event, **{k: repr(v) if not isinstance(v, (int, float, str, bool, type(None))) else v for k, v in kw.items()}}) + "\n")


class _Tok:
    chat_template = "{{ messages }}"
    is_fast = True
    pad_token_id = 0
    eos_token = "</s>"

    def apply_chat_template(self, messages, tokenize=False, add_generation_prompt=False):
        out = "".join(f"<|{m['role']}|>{m['content']}<|end|>" for m in messages)
        return out + ("<|assistant|>" if add_generation_prompt else "")

    def __call__(self, text, add_special_tokens=False, return_offsets_mapping=True):
        return {"input_ids": [ord(c) for c in text], "offset_mapping": [(i, i + 1) for i in range(len(text))]}

    def save_pretrained(self, d):
        _log("tokenizer.save_pretrained", dir=d)


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name):
        return _Tok()


class _Config:
    use_cache = True


class _Model:
    config = _Config()

    def enable_input_require_grads(self):
        _log("enable_input_require_grads")


class AutoModelForCausalLM:
    @staticmethod
    def from_pretrained(name, **kw):
        _log("from_pretrained", name=name, **kw)
        return _Model()


class TrainingArguments:
    def __init__(self, **kw):
        _log("TrainingArguments", **kw)


class Trainer:
    def __init__(self, model, args, train_dataset, data_collator):
        _log("Trainer", examples=len(train_dataset), use_cache=model.config.use_cache if hasattr(model, "config") else None)

    def train(self, resume_from_checkpoint=None):
        _log("train", resume=resume_from_checkpoint)

    def save_model(self, d):
        _log("save_model", dir=d)

    def save_state(self):
        _log("save_state")

    def is_world_process_zero(self):
        return True
