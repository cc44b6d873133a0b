"""Stand-in for trl.scripts.sft: a parser knowing a few SFT keys."""
import argparse


def make_parser(subparsers=None):
    p = argparse.ArgumentParser()
    for k in ("model_name_or_path", "dataset_name", "output_dir", "warmup_steps", "dtype", "max_length"):
        p.add_argument("--" + k)
    return p
