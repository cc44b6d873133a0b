"""Stand-in for trl in the hf script's --check-config test."""
