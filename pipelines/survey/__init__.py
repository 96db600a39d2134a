"""The survey: its questionnaire (the canonical variables) and the codebook of each wave."""
