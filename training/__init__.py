"""The editors' training workspace: training data overlay, inbox, model bank, training and evaluation."""
