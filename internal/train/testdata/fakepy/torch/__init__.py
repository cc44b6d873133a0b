"""Stand-in for torch in the hf script's structure test: dtypes and tensor."""
bfloat16 = "bfloat16"
float32 = "float32"


def tensor(v):
    return v
