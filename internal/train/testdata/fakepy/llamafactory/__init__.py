"""Stand-in for llamafactory in the hf script's --check-config test."""
