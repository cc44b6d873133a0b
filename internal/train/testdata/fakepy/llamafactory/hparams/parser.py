"""Stand-in for llamafactory.hparams.parser: the train argument classes."""
from dataclasses import dataclass


@dataclass
class ModelArguments:
    model_name_or_path: str = ""


@dataclass
class TrainingArguments:
    output_dir: str = ""
    warmup_ratio: float = 0.0


_TRAIN_ARGS = [ModelArguments, TrainingArguments]
