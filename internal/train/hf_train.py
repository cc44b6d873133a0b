#!/usr/bin/env python3
"""Supervised fine-tuning on reasoning paths synthesized by regenesis.

Written out and launched by `regenesis train --engine hf` as
`accelerate launch [--config_file CFG] hf_train.py ...`, so that one GPU, many
GPUs and many nodes (FSDP or DeepSpeed) all go through accelerate's own
configuration. Each example is rendered with the model's chat template and the
loss is taken on the assistant turns only: every other token is labelled -100.

Needs: Python 3.9+, torch 2.1+, transformers 4.41+, accelerate 0.30+, and
peft 0.11+ for --lora (the first to keep the adapter in float32 over a bf16
base). It follows the installed transformers: dtype= from 4.56 (torch_dtype=
before), warmup_steps=<ratio> from 5.0 (warmup_ratio= before).

Modes:
  (default)     train
  --check       preflight without a GPU: the tokenizer has a chat template
                (exit 3 if not), every example renders, masks to at least one
                trained token and fits --max-length (needs transformers only)
  --check-config ENGINE CONFIG
                fail when the TRL or LLaMA-Factory config holds keys the
                installed trainer's parser does not know (imports it; no GPU)
  --selftest    test the data and masking logic (standard library only)
  --versions P  print the installed versions of distributions P as JSON
                (standard library only)
"""

import argparse
import json
import os
import sys

IGNORE_INDEX = -100
ROLES = ("system", "user", "assistant")


class DataError(ValueError):
    """A training example that cannot be used, with its file and line."""


class TemplateError(ValueError):
    """A chat template that does not render a conversation as a prefix chain."""


class NoChatTemplate(TemplateError):
    """The tokenizer has no chat template (exit status 3)."""


# ---------------------------------------------------------------------------
# Data and masking: standard library only, exercised by --selftest.
# ---------------------------------------------------------------------------


def read_examples(path):
    """Yield (line number, messages) for each non-blank line of a JSON Lines file."""
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{lineno}: {e}") from None
            msgs = rec.get("messages") if isinstance(rec, dict) else None
            problem = check_messages(msgs)
            if problem:
                raise DataError(f"{path}:{lineno}: messages: {problem}")
            yield lineno, [{"role": m["role"], "content": m["content"]} for m in msgs]


def check_messages(msgs):
    """Return why msgs is not a usable conversation, or None."""
    if not isinstance(msgs, list) or len(msgs) < 2:
        return "want a list of at least a user and an assistant turn"
    seen_user = False
    for i, m in enumerate(msgs):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            return f"turn {i}: want an object with string role and content"
        role = m.get("role")
        if role not in ROLES:
            return f"turn {i}: role {role!r} is not system, user or assistant"
        if role == "system" and i != 0:
            return f"turn {i}: a system turn may only come first"
        if role == "user":
            seen_user = True
        if role == "assistant" and not seen_user:
            return f"turn {i}: assistant turn before any user turn"
    if msgs[-1]["role"] != "assistant" or not msgs[-1]["content"]:
        return "the last turn must be a non-empty assistant reply"
    return None


def assistant_spans(messages, render):
    """Character spans of the rendered conversation that the assistant wrote.

    render(messages, add_generation_prompt) -> str is the chat template. For
    assistant turn i the span runs from the end of the prompt that asks for
    it (turns before i with the generation prompt) to the end of the
    conversation through turn i, so it covers the reply and the template's
    end-of-turn tokens, which the model must learn to emit.
    """
    full = render(messages, False)
    spans = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        start = render(messages[:i], True)
        end = full if i == len(messages) - 1 else render(messages[: i + 1], False)
        if not full.startswith(start) or not full.startswith(end) or len(end) <= len(start):
            raise TemplateError(
                f"the chat template does not render turn {i} as a prefix of the whole "
                "conversation, so the prompt cannot be told from the reply"
            )
        spans.append((len(start), len(end)))
    return full, spans


def build_example(messages, render, tokenize):
    """Tokenize one conversation and label only the assistant's tokens.

    tokenize(text) -> (ids, offsets) gives token ids and their (start, end)
    character offsets. A token is trained when it lies wholly inside an
    assistant span; tokens straddling a boundary stay masked.
    Returns {"input_ids": [...], "labels": [...]}.
    """
    text, spans = assistant_spans(messages, render)
    ids, offsets = tokenize(text)
    if len(ids) != len(offsets):
        raise ValueError("tokenizer returned ids and offsets of different lengths")
    labels = []
    for tid, (a, b) in zip(ids, offsets):
        inside = b > a and any(s <= a and b <= e for s, e in spans)
        labels.append(tid if inside else IGNORE_INDEX)
    if all(lab == IGNORE_INDEX for lab in labels):
        raise TemplateError("no token of the assistant reply is left to train on")
    return {"input_ids": list(ids), "labels": labels}


def collate(features, pad_id):
    """Pad a batch to its longest example: pad_id for inputs, -100 for labels."""
    n = max(len(f["input_ids"]) for f in features)
    batch = {"input_ids": [], "labels": [], "attention_mask": []}
    for f in features:
        k = n - len(f["input_ids"])
        batch["input_ids"].append(f["input_ids"] + [pad_id] * k)
        batch["labels"].append(f["labels"] + [IGNORE_INDEX] * k)
        batch["attention_mask"].append([1] * len(f["input_ids"]) + [0] * k)
    return batch


def tokenize_file(path, render, tokenize, max_length):
    """Build every example of path; return (examples, report).

    report holds the counts --check prints. Examples longer than max_length
    are reported by line and left out of examples.
    """
    examples, over, longest = [], [], 0
    count = 0
    for lineno, msgs in read_examples(path):
        count += 1
        try:
            ex = build_example(msgs, render, tokenize)
        except TemplateError as e:
            raise DataError(f"{path}:{lineno}: {e}") from None
        n = len(ex["input_ids"])
        longest = max(longest, n)
        if n > max_length:
            over.append(lineno)
            continue
        examples.append(ex)
    report = {
        "examples": count,
        "max_tokens": longest,
        "max_length": max_length,
        "over_max_length": len(over),
        "over_max_length_lines": over[:20],
    }
    return examples, report


# ---------------------------------------------------------------------------
# Self-test of the logic above with a toy template and character tokenizer.
# ---------------------------------------------------------------------------


def _toy_render(messages, add_generation_prompt):
    out = "<s>"
    for m in messages:
        out += f"<|{m['role']}|>{m['content'].strip()}<|end|>\n"
    if add_generation_prompt:
        out += "<|assistant|>"
    return out


def _char_tokenize(text):
    return [ord(c) for c in text], [(i, i + 1) for i in range(len(text))]


def _bad_render(messages, add_generation_prompt):
    # Puts the conversation in reverse, as a template that breaks the
    # prefix property would.
    return "".join(m["content"] for m in reversed(messages)) + ("?" if add_generation_prompt else "")


def selftest():
    def decode(ids):
        return "".join(chr(i) for i in ids if i != IGNORE_INDEX)

    msgs = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+3?"},
        {"role": "assistant", "content": " 2+3=5. The answer is 5. "},
    ]
    ex = build_example(msgs, _toy_render, _char_tokenize)
    assert len(ex["input_ids"]) == len(ex["labels"]), "labels not aligned"
    trained = decode(ex["labels"])
    assert trained == "2+3=5. The answer is 5.<|end|>\n", f"trained text {trained!r}"
    prompt = decode([t for t, lab in zip(ex["input_ids"], ex["labels"]) if lab == IGNORE_INDEX])
    assert prompt == "<s><|system|>Be brief.<|end|>\n<|user|>What is 2+3?<|end|>\n<|assistant|>", prompt

    multi = [
        {"role": "user", "content": "a"},
        {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"},
        {"role": "assistant", "content": "d"},
    ]
    ex = build_example(multi, _toy_render, _char_tokenize)
    assert decode(ex["labels"]) == "b<|end|>\nd<|end|>\n", decode(ex["labels"])

    try:
        build_example(msgs, _bad_render, _char_tokenize)
    except TemplateError:
        pass
    else:
        raise AssertionError("a template without the prefix property was accepted")

    # A tokenizer merging the boundary between prompt and reply: the merged
    # token is masked, the rest of the reply is trained.
    def merging(text):
        ids, offs = _char_tokenize(text)
        cut = text.index("<|assistant|>") + len("<|assistant|>")
        return ids[: cut - 1] + [0] + ids[cut + 1 :], offs[: cut - 1] + [(cut - 1, cut + 1)] + offs[cut + 1 :]

    ex = build_example([msgs[1], msgs[2]], _toy_render, merging)
    assert decode(ex["labels"]) == "+3=5. The answer is 5.<|end|>\n", decode(ex["labels"])

    batch = collate([{"input_ids": [1, 2, 3], "labels": [-100, 2, 3]}, {"input_ids": [4], "labels": [4]}], pad_id=0)
    assert batch == {
        "input_ids": [[1, 2, 3], [4, 0, 0]],
        "labels": [[-100, 2, 3], [4, -100, -100]],
        "attention_mask": [[1, 1, 1], [1, 0, 0]],
    }, batch

    for bad, why in [
        ([{"role": "user", "content": "q"}], "want a list"),
        ([{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"}], "before any user"),
        ([{"role": "user", "content": "q"}, {"role": "tool", "content": "a"}], "role 'tool'"),
        ([{"role": "user", "content": "q"}, {"role": "assistant", "content": ""}], "non-empty assistant"),
    ]:
        got = check_messages(bad)
        assert got and why in got, (bad, got)
    assert check_messages(msgs) is None

    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "train.jsonl")
        with open(p, "w", encoding="utf-8") as f:
            f.write(json.dumps({"messages": msgs[1:]}) + "\n\n")
            f.write(json.dumps({"messages": [{"role": "user", "content": "x" * 50}, {"role": "assistant", "content": "y"}]}) + "\n")
        exs, report = tokenize_file(p, _toy_render, _char_tokenize, max_length=80)
        assert report["examples"] == 2 and report["over_max_length_lines"] == [3], report
        assert len(exs) == 1, len(exs)
        with open(p, "a", encoding="utf-8") as f:
            f.write("{not json\n")
        try:
            list(read_examples(p))
        except DataError as e:
            assert f"{p}:4:" in str(e), e
        else:
            raise AssertionError("a malformed line was accepted")
    assert version_tuple("4.56.0.dev0") == (4, 56, 0)
    assert version_tuple("2.4.0+cu121") == (2, 4, 0)
    assert version_tuple("0.9.1rc1") == (0, 9, 1)
    assert dtype_kwargs((4, 55, 4), "f") == {"torch_dtype": "f"}
    assert dtype_kwargs((4, 56, 0), "f") == {"dtype": "f"}
    assert dtype_kwargs(None, "f") == {"torch_dtype": "f"}
    assert warmup_kwargs((4, 57, 1), 0.03) == {"warmup_ratio": 0.03}
    assert warmup_kwargs((5, 15, 0), 0.03) == {"warmup_steps": 0.03}
    print("selftest ok")


# ---------------------------------------------------------------------------
# Hugging Face side: tokenizer, --check and training.
# ---------------------------------------------------------------------------


def versions(names):
    import importlib.metadata as md
    import platform

    pkgs = {}
    for n in names:
        try:
            pkgs[n] = md.version(n)
        except md.PackageNotFoundError:
            pkgs[n] = None
    print(json.dumps({"python": platform.python_version(), "packages": pkgs}))


def load_tokenizer(args, need_template=True):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(args.tokenizer or args.model)
    if need_template and not getattr(tok, "chat_template", None):
        raise NoChatTemplate(
            f"the tokenizer of {args.tokenizer or args.model} has no chat template; "
            "pass --tokenizer with one that has"
        )
    if not tok.is_fast:
        raise TemplateError("a fast tokenizer is needed for character offsets; install `tokenizers`")
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def hf_functions(tok):
    def render(messages, add_generation_prompt):
        return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)

    def tokenize(text):
        enc = tok(text, add_special_tokens=False, return_offsets_mapping=True)
        return enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]

    return render, tokenize


def plain_render(messages, add_generation_prompt):
    """The turns one after another: for length checks when the trainer
    renders with a template of its own (LLaMA-Factory's --template)."""
    out = "".join(f"{m['role']}: {m['content']}\n" for m in messages)
    return out + ("assistant: " if add_generation_prompt else "")


def config_keys_known(engine):
    """The keys the installed trainer's config parser knows, without
    building its argument objects (which would look for GPUs)."""
    import dataclasses

    if engine == "trl":
        from trl.scripts.sft import make_parser

        # TrlParser.set_defaults_with_config matches config keys against the
        # argparse destinations; whatever is left goes to accelerate launch.
        return {a.dest for a in make_parser()._actions} | {"env"}
    if engine == "llamafactory":
        from llamafactory.hparams.parser import _TRAIN_ARGS

        return {f.name for cls in _TRAIN_ARGS for f in dataclasses.fields(cls)}
    raise DataError(f"--check-config: unknown engine {engine!r} (want trl or llamafactory)")


def check_config(engine, path):
    """Fail when the config holds keys the installed trainer does not know."""
    import importlib.metadata as md

    import yaml

    with open(path, encoding="utf-8") as f:
        cfg = yaml.safe_load(f) or {}
    unknown = sorted(set(cfg) - config_keys_known(engine))
    dist = "trl" if engine == "trl" else "llamafactory"
    try:
        version = md.version(dist)
    except md.PackageNotFoundError:
        version = "?"
    print(json.dumps({"engine": engine, "version": version, "unknown": unknown}))
    if unknown:
        consequence = (
            "trl sft would hand them to accelerate launch, which aborts"
            if engine == "trl"
            else "LLaMA-Factory refuses unknown keys"
        )
        raise DataError(f"{path}: keys the installed {dist} {version} does not know: {', '.join(unknown)} ({consequence})")


def check(args):
    tok = load_tokenizer(args, need_template=not args.allow_no_chat_template)
    render, tokenize = hf_functions(tok)
    if not getattr(tok, "chat_template", None):
        print("the tokenizer has no chat template; checking lengths with the turns as plain text", file=sys.stderr)
        render = plain_render
    _, report = tokenize_file(args.data, render, tokenize, args.max_length)
    print(json.dumps(report))
    if report["examples"] == 0:
        raise DataError(f"{args.data} has no examples")
    if report["over_max_length"] and not args.drop_long:
        raise DataError(
            f"{report['over_max_length']} of {report['examples']} examples are longer than "
            f"--max-length {args.max_length} tokens (longest {report['max_tokens']}; lines "
            f"{report['over_max_length_lines']}); raise --max-length or pass --drop-long"
        )


class _ListDataset:
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def dist_version(name):
    """The installed version of a distribution as a tuple of ints, or None."""
    import importlib.metadata as md

    try:
        v = md.version(name)
    except md.PackageNotFoundError:
        return None
    return version_tuple(v)


def version_tuple(v):
    """'4.56.0.dev0' -> (4, 56, 0); '2.4.0+cu121' -> (2, 4, 0)."""
    parts = []
    for field in v.split("."):
        digits = ""
        for c in field:
            if not c.isdigit():
                break
            digits += c
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) < len(field):
            break
    return tuple(parts)


# Version thresholds the script follows (see docs/TRAINING.md).
TF_DTYPE = (4, 56)  # from_pretrained takes dtype; torch_dtype is deprecated
TF_WARMUP_STEPS_RATIO = (5, 0)  # warmup_steps takes a ratio; warmup_ratio deprecated (removed in 5.15)
PEFT_FP32_ADAPTER = (0, 11)  # get_peft_model keeps the adapter in float32 over a bf16 base


def dtype_kwargs(tf_version, dtype):
    """The from_pretrained keyword for the dtype the installed transformers takes."""
    if tf_version is not None and tf_version >= TF_DTYPE:
        return {"dtype": dtype}
    return {"torch_dtype": dtype}


def warmup_kwargs(tf_version, ratio):
    """The TrainingArguments warmup keyword the installed transformers takes."""
    if tf_version is not None and tf_version >= TF_WARMUP_STEPS_RATIO:
        return {"warmup_steps": ratio}
    return {"warmup_ratio": ratio}


def train(args):
    import torch
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments
    from transformers.trainer_utils import get_last_checkpoint

    tf_version = dist_version("transformers")
    if args.lora:
        peft_version = dist_version("peft")
        if peft_version is None or peft_version < PEFT_FP32_ADAPTER:
            raise DataError(
                "--lora needs peft 0.11 or later (it keeps the adapter in float32 over the bf16 base); "
                "install it with: python -m pip install 'peft>=0.11'"
            )

    tok = load_tokenizer(args)
    render, tokenize = hf_functions(tok)
    examples, report = tokenize_file(args.data, render, tokenize, args.max_length)
    if report["over_max_length"]:
        if not args.drop_long:
            raise DataError(
                f"{report['over_max_length']} examples exceed --max-length {args.max_length}; "
                "raise it or pass --drop-long"
            )
        print(f"dropping {report['over_max_length']} examples longer than {args.max_length} tokens", file=sys.stderr)
    if not examples:
        raise DataError(f"{args.data} has no usable examples")

    # TrainingArguments come first: under DeepSpeed ZeRO-3 creating them
    # sets up the config that makes from_pretrained load each weight
    # straight into its shard (zero.Init) instead of whole on every process.
    targs = TrainingArguments(
        output_dir=args.output,
        num_train_epochs=args.epochs,
        learning_rate=args.lr,
        lr_scheduler_type=args.scheduler,
        weight_decay=args.weight_decay,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.grad_accum,
        bf16=args.bf16,
        gradient_checkpointing=args.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if args.gradient_checkpointing else None,
        logging_steps=args.logging_steps,
        save_strategy=args.save_strategy,
        save_total_limit=1,
        report_to="none",
        seed=args.seed,
        remove_unused_columns=False,
        **warmup_kwargs(tf_version, args.warmup_ratio),
    )

    # Full fine-tuning keeps float32 master weights and computes in bf16
    # under autocast: at the paper's learning rate of 1e-6 most updates
    # would vanish in bf16 weights. LoRA freezes the base, which can then
    # be loaded in bf16 (peft 0.11+ keeps the adapter in float32).
    dtype = torch.bfloat16 if args.bf16 and args.lora else torch.float32
    model = AutoModelForCausalLM.from_pretrained(args.model, **dtype_kwargs(tf_version, dtype))
    # No KV cache while training (it is useless and clashes with
    # activation checkpointing, whether the trainer's or FSDP's).
    model.config.use_cache = False
    if args.lora:
        from peft import LoraConfig, get_peft_model

        if args.gradient_checkpointing:
            model.enable_input_require_grads()
        model = get_peft_model(
            model,
            LoraConfig(
                r=args.lora_r,
                lora_alpha=args.lora_alpha,
                lora_dropout=args.lora_dropout,
                target_modules="all-linear",
                task_type="CAUSAL_LM",
            ),
        )

    pad_id = tok.pad_token_id

    def collator(features):
        return {k: torch.tensor(v) for k, v in collate(features, pad_id).items()}

    trainer = Trainer(model=model, args=targs, train_dataset=_ListDataset(examples), data_collator=collator)
    last = get_last_checkpoint(args.output) if os.path.isdir(args.output) else None
    trainer.train(resume_from_checkpoint=last)
    # save_model gathers the whole model: FSDP with FULL_STATE_DICT (the
    # config regenesis writes) and ZeRO-3 with
    # stage3_gather_16bit_weights_on_model_save save loadable weights.
    trainer.save_model(args.output)
    trainer.save_state()
    if trainer.is_world_process_zero():
        tok.save_pretrained(args.output)
        if args.lora and args.merge_lora:
            from peft import PeftModel

            base = AutoModelForCausalLM.from_pretrained(args.model, **dtype_kwargs(tf_version, dtype))
            merged = PeftModel.from_pretrained(base, args.output).merge_and_unload()
            merged_dir = os.path.join(args.output, "merged")
            merged.save_pretrained(merged_dir)
            tok.save_pretrained(merged_dir)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--selftest", action="store_true")
    p.add_argument("--versions", nargs="+", metavar="DIST")
    p.add_argument("--check", action="store_true")
    p.add_argument("--check-config", nargs=2, metavar=("ENGINE", "CONFIG"))
    p.add_argument("--data")
    p.add_argument("--model")
    p.add_argument("--tokenizer")
    p.add_argument("--output")
    p.add_argument("--epochs", type=float, default=3)
    p.add_argument("--lr", type=float, default=1e-6)
    p.add_argument("--scheduler", default="cosine")
    p.add_argument("--warmup-ratio", type=float, default=0.03)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-length", type=int, default=4096)
    p.add_argument("--drop-long", action="store_true")
    p.add_argument("--allow-no-chat-template", action="store_true")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--gradient-checkpointing", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--save-strategy", default="epoch")
    p.add_argument("--lora", action="store_true")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--merge-lora", action="store_true")
    args = p.parse_args(argv)
    if not (args.selftest or args.versions or args.check_config):
        missing = [f"--{k}" for k in ("data", "model") if not getattr(args, k)]
        if not args.check and not args.output:
            missing.append("--output")
        if missing:
            p.error("missing " + ", ".join(missing))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.selftest:
            selftest()
        elif args.versions:
            versions(args.versions)
        elif args.check_config:
            check_config(*args.check_config)
        elif args.check:
            check(args)
        else:
            train(args)
    except NoChatTemplate as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except (DataError, TemplateError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
